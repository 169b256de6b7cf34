/**
 * The console's only way to the server: the admin JSON API under /api with the session cookie.
 * Errors arrive as RFC 9457 problem JSON and become ApiError with the field at fault.
 */

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`)
    this.status = status
    this.title = problem?.title ?? null
    this.detail = problem?.detail ?? null
    this.field = problem?.field ?? null
    /** The kind of fault (required, tooShort, tooLong, format, uniqueness, …): with `field`, what a form words. */
    this.code = problem?.code ?? null
    this.requestId = problem?.requestId ?? null
  }
}

const signedOutListeners = new Set()
/** Called when the session has ended (401): the console goes back to its sign-in screen. */
export function onSignedOut(listener) {
  signedOutListeners.add(listener)
  return () => signedOutListeners.delete(listener)
}

export function apiUrl(path, query) {
  const url = new URL(`/api${path}`, location.origin)
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue
    url.searchParams.set(k, String(v))
  }
  return url
}

/** One API call. Changes are always sent as JSON, which the API requires of cookie sessions (CSRF). */
export async function api(method, path, { body, query, etag } = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' }
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body ?? {})
  }
  if (etag) headers['If-Match'] = etag
  let res
  try {
    res = await fetch(apiUrl(path, query), init)
  } catch {
    throw new ApiError(0, { detail: 'Roster could not be reached. Check your network connection, then try again.' })
  }
  const text = res.status === 204 ? '' : await res.text()
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    if (res.status === 401) for (const l of signedOutListeners) l()
    throw new ApiError(res.status, data)
  }
  return { data, etag: res.headers.get('ETag'), status: res.status }
}

export const get = async (path, query) => (await api('GET', path, { query })).data
export const post = async (path, body, opts) => (await api('POST', path, { ...opts, body })).data
export const put = async (path, body, opts) => (await api('PUT', path, { ...opts, body })).data
export const patch = async (path, body, opts) => (await api('PATCH', path, { ...opts, body })).data
export const del = async (path, opts) => (await api('DELETE', path, opts)).data

/** An API field name as a form would label it when it has no label of its own: firstName → "First name". */
export const humanField = (field) => {
  const last = String(field).split('.').pop()
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/**
 * The API's complaint about one field, in the form's words: `label` is what the form calls the
 * field ("First name"), the problem's `code` says what is wrong with it. The API's own sentence
 * ("firstName must not be empty") is for scripts; people read this.
 */
export function fieldFault(err, label = humanField(err.field)) {
  const n = /at (?:least|most) (\d+)/.exec(err.detail ?? '')?.[1]
  const name = label.charAt(0).toLowerCase() + label.slice(1)
  switch (err.code) {
    case 'required':
      return `${label} is required.`
    case 'tooShort':
      return n ? `${label} must be at least ${n} characters long.` : `${label} is too short.`
    case 'tooLong':
      return n ? `${label} must be at most ${n} characters long.` : `${label} is too long.`
    case 'format':
      return /email/i.test(err.detail ?? '') ? `Enter ${name} as an email address, such as name@example.com.` : `${label} is not in the expected form.`
    case 'uniqueness':
      return /built-in/i.test(err.detail ?? '') ? `${label}: ${err.detail}.` : `This ${name} is already in use in this tenant: choose another.`
    case 'unknownField':
      return `${label} cannot be set here.`
    default: {
      // A sentence naming the field first: put the form's name for it in its place.
      const detail = err.detail ?? err.message
      return detail.startsWith(`${err.field} `) ? `${label}${detail.slice(err.field.length)}.` : detail
    }
  }
}

/** What to tell the admin about a failed call: what happened and what to do next. */
export function explain(err) {
  if (!(err instanceof ApiError)) return { message: String(err?.message ?? err), next: 'Reload the page and try again.' }
  switch (err.status) {
    case 0:
      return { message: err.message, next: 'Try again when the connection is back.' }
    case 401:
      return { message: 'Your session has ended.', next: 'Sign in again.' }
    case 403:
      return { message: err.detail ?? 'You are not allowed to do this.', next: 'Ask an administrator of this tenant for the permission named above.' }
    case 404:
      return { message: err.detail ?? 'It no longer exists.', next: 'Someone may have deleted it. Go back to the list.' }
    case 409:
      if (err.field) return { message: fieldFault(err), next: null }
      return { message: err.detail ?? 'This conflicts with the current state.', next: null }
    case 412:
      return {
        message: 'Someone else changed this since you opened it, so your change was not saved.',
        next: 'Reload to see their change, then make yours again.',
      }
    case 429:
      return { message: err.detail ?? 'Too many requests.', next: 'Wait a moment, then try again.' }
    default:
      if (err.status >= 500) return { message: 'Roster failed to answer this request.', next: `Try again; if it keeps failing, give your operator the reference ${err.requestId ?? '(none)'}.` }
      if (err.status === 400 && err.field) return { message: fieldFault(err), next: null }
      return { message: err.detail ?? err.message, next: null }
  }
}
