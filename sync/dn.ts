/**
 * DNs name the same entry in more than one spelling (`CN=Ann,OU=Staff` vs `cn=ann, ou=staff`).
 * Group members and managers arrive as DNs and must meet the entry they name, so every DN Roster
 * keeps or looks up goes through `normalizeDn`: RDNs split at unescaped commas, spaces around `,`,
 * `=` and `+` dropped, lower-cased (attribute names and the common string values compare
 * case-insensitively in AD and in OpenLDAP's default schema). Escapes are kept as written, so two
 * spellings of one escaped character stay different; directories write them consistently.
 */
export function normalizeDn(dn: string): string {
  const rdns: string[] = []
  let current = ''
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!
    if (c === '\\' && i + 1 < dn.length) {
      current += c + dn[i + 1]
      i++
    } else if (c === ',' || c === ';') {
      rdns.push(current)
      current = ''
    } else current += c
  }
  rdns.push(current)
  return rdns
    .map((rdn) =>
      rdn
        .trim()
        .split(/\s*\+\s*/)
        .map((ava) => {
          const eq = ava.indexOf('=')
          return eq < 0 ? ava.trim() : `${ava.slice(0, eq).trim()}=${ava.slice(eq + 1).trim()}`
        })
        .join('+'),
    )
    .filter((rdn) => rdn !== '')
    .join(',')
    .toLowerCase()
}

/** Whether `dn` is `base` or lies under it (both normalised). */
export function isUnder(dn: string, base: string): boolean {
  return dn === base || dn.endsWith(`,${base}`)
}
