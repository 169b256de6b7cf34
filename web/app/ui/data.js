/** Hooks that load and page the console's data from the API. */
import { useState, useEffect, useRef, useCallback, useMemo } from '../lib.js'

/**
 * Runs `load` and re-runs it when `deps` change; `reload()` runs it again. Only the latest call's
 * answer is kept: an older request answering after a newer one is dropped. While new deps load,
 * `data` is still the previous deps' answer, marked `stale: true`: show it greyed (ListBody does)
 * or not at all, never as the answer for the new deps (an empty Archived list is not "no active
 * users").
 */
export function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true, error: null, data: undefined, generation: null })
  const seq = useRef(0)
  // One object per set of deps: what the data in state was loaded for.
  const generation = useMemo(() => ({}), deps)
  const run = useCallback(() => {
    const n = ++seq.current
    setState((s) => ({ ...s, loading: true, error: null }))
    Promise.resolve()
      .then(load)
      .then(
        (data) => n === seq.current && setState({ loading: false, error: null, data, generation }),
        (error) => n === seq.current && setState({ loading: false, error, data: undefined, generation }),
      )
  }, [generation])
  useEffect(run, [run])
  const stale = state.generation !== generation
  return { loading: state.loading || stale, error: stale ? null : state.error, data: state.data, stale: stale && state.data !== undefined, reload: run }
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
