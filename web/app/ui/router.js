/** Navigation with the history API: every screen has a real /admin/… URL, routed without a page load. */
import { html, useState, useEffect } from '../lib.js'

const routeListeners = new Set()

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  for (const l of routeListeners) l()
  window.scrollTo(0, 0)
}

/** The current path and query, re-rendering the caller whenever it changes. */
export function useLocation() {
  const read = () => ({ path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search) })
  const [loc, setLoc] = useState(read)
  useEffect(() => {
    const update = () => setLoc(read())
    routeListeners.add(update)
    window.addEventListener('popstate', update)
    return () => {
      routeListeners.delete(update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return loc
}

/** Replaces the query of the current URL (list state: view, search, sort) without a new history entry. */
export function setQuery(params) {
  const q = new URLSearchParams(location.search)
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') q.delete(k)
    else q.set(k, String(v))
  }
  const s = q.toString()
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, { replace: true })
}

/** An in-console link: a real <a href> (open in new tab works), routed without a page load. */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`
}
