import { ValidationError } from '../kernel/errors.js'

/**
 * One identity, one name (docs/decisions.md, "userName in one canonical form"). Two spellings that
 * a person cannot tell apart must not be two users: `josé` composed and decomposed, `bob` and
 * `bob `, `ｇｕｓ` and `gus`, `straße` and `STRASSE`, `kım` and `kim`. So every comparison of user
 * names — uniqueness, lookups, sign-in, SCIM `userName eq`, directory matching — compares keys made
 * by `userNameKey`, and a new name may hold no character that makes it look like another (control,
 * invisible, unassigned).
 *
 * The key follows PRECIS UsernameCaseMapped (RFC 8265 §3.3) with three deliberate departures:
 * - compatibility mapping (NFKC) instead of the width mapping alone: NFKC maps full- and
 *   half-width forms exactly as the width rule does, and also the look-alikes the PRECIS
 *   IdentifierClass would refuse as HasCompat (`𝐛𝐨𝐛`, `ﬁ`, `K` Kelvin sign). Mapping them rather
 *   than refusing them keeps scripts whose everyday letters carry compatibility decompositions
 *   (Thai ำ, Lao ຳ, Armenian և) usable as names, and still makes each one collide with its plain
 *   spelling;
 * - case folding by lower → upper → lower instead of toLowerCase alone: RFC 8264 §5.2.3 prefers
 *   toLowerCase, which keeps `ß` and `ı` apart from `ss` and `i`; two strings with the same upper
 *   case are the same name to a reader, so they get the same key (full Unicode case folding would
 *   still keep `ı` apart from `i`). The first lowering makes `ẞ` and `ß` fold alike;
 * - spaces as in the Nickname profile (RFC 8266 §2.2): every white-space character counts as
 *   U+0020, runs count as one, and leading and trailing ones do not count.
 * The stored userName stays as entered; only the key is folded.
 */

export const MAX_USER_NAME = 256

const WHITE_SPACE = /\p{White_Space}/u
/** Characters that show nothing (or nothing of their own): dropped from keys, refused in new names. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u

function spacesAndInvisibles(value: string): string {
  let out = ''
  for (const ch of value) {
    if (WHITE_SPACE.test(ch)) out += ' '
    else if (!INVISIBLE.test(ch)) out += ch
  }
  return out.replace(/ {2,}/g, ' ').trim()
}

/**
 * The comparison key of a user name (or of an email address used to sign in): equal keys, same
 * name. Total, so that any lookup can be keyed, including of names stored before this rule (an
 * invisible character in them is dropped, so they key as what they look like). Idempotent.
 * Depends on the Unicode version of the runtime only for characters that new names may not hold
 * (unassigned ones).
 */
export function userNameKey(value: string): string {
  const folded = spacesAndInvisibles(value).normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC')
  // Mapping can yield spaces (NFKC of U+00A8 is U+0020 U+0308), so they are settled once more.
  return spacesAndInvisibles(folded)
}

/** The key an email address is found by at sign-in (null for none). */
export function emailKey(email: string | null): string | null {
  return email === null ? null : userNameKey(email) || null
}

function refusal(ch: string): string | null {
  if (WHITE_SPACE.test(ch)) return /\p{Cc}|[\u2028\u2029]/u.test(ch) ? 'a control character (a tab, line break or similar)' : null
  if (/\p{Cs}/u.test(ch)) return 'an unpaired surrogate (not a character)'
  if (/\p{Cc}/u.test(ch)) return 'a control character'
  if (INVISIBLE.test(ch)) return 'an invisible character'
  if (/\p{Co}/u.test(ch)) return 'a private-use character'
  if (/\p{Cn}/u.test(ch)) return 'an unassigned code point'
  return null
}

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/**
 * Whether `value` may become a user's name: present, at most MAX_USER_NAME long, something left
 * once folded, and free of control, invisible (format, zero-width, default-ignorable),
 * private-use and unassigned characters and of unpaired surrogates. The error names the first
 * offending character and its position, counted in code points from 0.
 */
export function assertValidUserName(value: unknown, field = 'userName'): asserts value is string {
  if (typeof value !== 'string' || !value) throw new ValidationError(`${field} is required`, field)
  if (value.length > MAX_USER_NAME) throw new ValidationError(`${field} must be at most ${MAX_USER_NAME} characters`, field)
  let index = 0
  for (const ch of value) {
    const problem = refusal(ch)
    if (problem) {
      throw new ValidationError(
        `${field} has ${problem} (${codePoint(ch)}) at position ${index} (counting code points from 0); user names may not contain control, invisible, private-use or unassigned characters`,
        field,
      )
    }
    index++
  }
  if (!userNameKey(value)) throw new ValidationError(`${field} is required`, field)
}
