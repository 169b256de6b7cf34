/** Hooks that load and page the console's data from the API. */
import { useState, useEffect, useRef, useCallback } from '../lib.js'

/** Runs `load` and re-runs it when `deps` change; `reload()` runs it again. Stale answers are dropped. */
export function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true, error: null, data: undefined })
  const seq = useRef(0)
  const run = useCallback(() => {
    const n = ++seq.current
    setState((s) => ({ ...s, loading: true, error: null }))
    Promise.resolve()
      .then(load)
      .then(
        (data) => n === seq.current && setState({ loading: false, error: null, data }),
        (error) => n === seq.current && setState({ loading: false, error, data: undefined }),
      )
  }, deps)
  useEffect(run, [run])
  return { ...state, reload: run }
}

/** A value that follows `value` after `ms` of quiet: search as you type without a request per key. */
export function useDebounced(value, ms = 250) {
  const [v, setV] = useState(value)
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return v
}

/**
 * Cursor paging: the server gives the cursor of the next page; the cursors of the pages seen are
 * kept so "Previous" goes back without offsets (which large lists cannot answer fast).
 */
export function useCursorPages(resetKey) {
  const [stack, setStack] = useState([null])
  useEffect(() => setStack([null]), [resetKey])
  const cursor = stack[stack.length - 1]
  return {
    cursor,
    page: stack.length,
    next: (c) => setStack((s) => [...s, c]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    first: () => setStack([null]),
  }
}
