/** Command-line options shared by the benchmarks: `--flag value`, `--flag=value`, `--flag`. */

export type Flags = Map<string, string | true>

/** Parses argv; refuses unknown options; prints `usage` and exits on --help. */
export function parseFlags(argv: string[], valued: string[], switches: string[], usage: string): Flags {
  const flags: Flags = new Map()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`)
    const eq = a.indexOf('=')
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1))
    else if (valued.includes(a.slice(2))) {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      flags.set(a.slice(2), v)
    } else flags.set(a.slice(2), true)
  }
  const known = new Set([...valued, ...switches, 'help'])
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`)
  if (flags.has('help')) {
    process.stdout.write(usage)
    process.exit(0)
  }
  return flags
}

/** A whole-number option, from the flag or else an environment variable, within bounds. */
export function numberOption(flags: Flags, env: NodeJS.ProcessEnv) {
  return (flag: string, variable: string | null, def: number, min: number, max: number): number => {
    const raw = flags.get(flag) ?? (variable ? env[variable] : undefined)
    if (raw === undefined || raw === true || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}${variable ? ` / ${variable}` : ''}=${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}`)
    return n
  }
}

/**
 * Which stores to measure: PGlite always; a PostgreSQL server too with --pg (a throwaway cluster) or
 * --database-url / BENCH_DATABASE_URL; --store narrows to one.
 */
export function storeOptions(flags: Flags, env: NodeJS.ProcessEnv): { databaseUrl: string | undefined; pgCluster: boolean; stores: Array<'pglite' | 'postgres'> } {
  const store = flags.get('store')
  if (store !== undefined && store !== 'pglite' && store !== 'postgres') throw new Error('--store must be pglite or postgres')
  const databaseUrl = (typeof flags.get('database-url') === 'string' ? (flags.get('database-url') as string) : env.BENCH_DATABASE_URL) || undefined
  const pgCluster = flags.has('pg')
  if (databaseUrl && pgCluster) throw new Error('use either --pg or BENCH_DATABASE_URL, not both')
  if (store === 'postgres' && !databaseUrl && !pgCluster) throw new Error('--store postgres needs BENCH_DATABASE_URL or --pg')
  return { databaseUrl, pgCluster, stores: store ? [store] : databaseUrl || pgCluster ? ['pglite', 'postgres'] : ['pglite'] }
}
