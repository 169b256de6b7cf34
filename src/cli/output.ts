import { invocation } from './invocation.js'

/**
 * Writes text to the command's standard output (no newline added). Every command writes through
 * out()/err(), never process.stdout/stderr: inside the server the output belongs to a client.
 */
export function out(text: string): void {
  invocation().stdout(text)
}

/** Writes text to the command's standard error (no newline added). */
export function err(text: string): void {
  invocation().stderr(text)
}

/** Prints rows as an aligned plain-text table (header in capitals), or as JSON lines for scripts. */
export function printTable(rows: Array<Record<string, string>>, columns: Array<[key: string, header: string]>): void {
  const widths = columns.map(([key, header]) => Math.max(header.length, ...rows.map((r) => (r[key] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  out(`${line(columns.map(([, h]) => h))}\n`)
  for (const r of rows) out(`${line(columns.map(([k]) => r[k] ?? ''))}\n`)
}

export function printJsonLines(rows: unknown[]): void {
  for (const r of rows) out(`${JSON.stringify(r)}\n`)
}

export const isoOrDash = (d: Date | null): string => (d ? d.toISOString() : '-')

/** Prints label/value pairs with the values aligned (an empty label continues the row above). */
export function printPairs(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) out(`${k.padEnd(width)}  ${v}\n`)
}

/** The command's standard error as a log destination (pino writes whole lines). */
export const errStream = { write: (text: string): void => err(text) }
