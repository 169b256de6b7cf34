/**
 * What Roster made of one SCIM request, beyond its letter: the identity-provider dialect rules that
 * fired (`"active":"True"` read as true, `Replace` as `replace`, …), the attributes ignored because
 * the tenant's schema has no such attribute (lenient mode), and references left unresolved (an
 * enterprise `manager` naming no user yet).
 *
 * The request's handlers note each of these as they happen; the audit event of the change and the
 * provisioning log (docs/scim.md, "Provisioning log") show them, so that in lenient mode nothing an
 * IdP sent is changed or dropped without a trace. In strict mode the same deviations are refused
 * instead, so nothing is noted.
 */

/** A dialect rule: one named deviation from RFC 7644 that lenient mode reads as its RFC form. */
export type InterpretationNote =
  /** `rule` names the deviation (stable, kebab-case: `boolean-string`, `op-name-case`, …); `detail` what was read as what. */
  | { kind: 'dialect'; rule: string; at?: string; detail?: string }
  /** An attribute not in the tenant's schema, by the path the request used. */
  | { kind: 'ignored'; path: string; at?: string }
  /** A reference kept as sent because it names nothing (yet). */
  | { kind: 'unresolved'; path: string; value: string; at?: string }

/** Collects the notes of one request (a Bulk request: of all its operations, `at` naming each). */
export class Interpretation {
  readonly notes: InterpretationNote[] = []
  /** Bounded: a hostile request must not grow the log entry without limit. */
  static readonly MAX_NOTES = 200
  /** Where notes are being taken: a Bulk operation (`Operations[3]`), else undefined. */
  private scope: string | undefined

  private add(note: InterpretationNote): void {
    if (this.notes.length >= Interpretation.MAX_NOTES) return
    const at = note.at ?? this.scope
    const scoped = at === undefined ? note : { ...note, at }
    // The same rule firing on the same spot twice (a retried closure) is one note.
    if (this.notes.some((n) => JSON.stringify(n) === JSON.stringify(scoped))) return
    this.notes.push(scoped)
  }

  dialect(rule: string, detail?: string): void {
    this.add({ kind: 'dialect', rule, ...(detail !== undefined ? { detail } : {}) })
  }

  ignored(path: string): void {
    this.add({ kind: 'ignored', path })
  }

  unresolved(path: string, value: string): void {
    this.add({ kind: 'unresolved', path, value })
  }

  /** Runs `fn` with notes attributed to `scope` (a Bulk operation; they run one after the other). */
  async within<T>(scope: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.scope
    this.scope = scope
    try {
      return await fn()
    } finally {
      this.scope = previous
    }
  }

  /** The attribute paths ignored so far (for the change's audit event). */
  ignoredPaths(): string[] {
    return this.notes.flatMap((n) => (n.kind === 'ignored' ? [n.path] : []))
  }
}
