/** One page of a keyset-paged list, as every persister returns it. */
export interface Page<T> {
  items: T[]
  /** Opaque position after the last item, or null at the end. */
  next: string | null
}
