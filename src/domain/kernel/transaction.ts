/**
 * Repositories `R` with a transaction whose callback gets the same repositories, bound to that
 * transaction. A domain function declares the repositories it uses this way (each concept's
 * persister.ts names its own), so a reader sees what it touches; the full Store is one of them,
 * so callers holding a Store pass it unchanged.
 */
export type Transactional<R> = R & {
  /** Runs fn in one transaction: all of it commits or none of it does. Nested calls join the outer one. */
  transaction<T>(fn: (tx: Transactional<R>) => Promise<T>): Promise<T>
}
