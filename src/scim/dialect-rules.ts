/**
 * Noting a dialect rule (the catalogue of rules and their sentences: src/domain/provisioning/dialect-rules.ts).
 */
import type { Interpretation } from './interpretation.js'
import type { DialectRule } from '../domain/provisioning/dialect-rules.js'

export { DIALECT_RULES, type DialectRule } from '../domain/provisioning/dialect-rules.js'

/** Notes that `rule` fired; `detail` says what was read as what. Only the catalogued rules can be noted. */
export function noteDialect(notes: Interpretation | undefined, rule: DialectRule, detail: string): void {
  notes?.dialect(rule, detail)
}
