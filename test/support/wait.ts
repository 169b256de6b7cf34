import assert from 'node:assert/strict'

/**
 * Waits until `fn` holds, checking every `everyMs`, and fails naming `what` once `ms` have passed:
 * the way tests wait for something to happen, instead of sleeping and hoping it has.
 */
export async function until(what: string, ms: number, fn: () => Promise<boolean> | boolean, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise((r) => setTimeout(r, everyMs))
  }
  assert.fail(`timed out after ${ms} ms waiting until ${what}`)
}
