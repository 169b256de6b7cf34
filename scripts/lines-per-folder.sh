#!/bin/sh
# Lines of code per folder at a commit (default HEAD): the figure issue 13's note reports before/after.
#   scripts/lines-per-folder.sh [commit]
commit=${1:-HEAD}
git ls-tree -r --name-only "$commit" -- src sync web test bench scripts | grep -E '\.(ts|mts|mjs|js|cjs|css|html)$' | while read -r f; do
  n=$(git show "$commit:$f" | wc -l)
  d=$(dirname "$f")
  case "$d" in src/*/*/*) d=$(echo "$d" | cut -d/ -f1-3) ;; esac
  echo "$d $n"
done | awk '{s[$1]+=$2; f[$1]++} END {for (d in s) printf "%-34s %6d lines %4d files\n", d, s[d], f[d]}' | sort
