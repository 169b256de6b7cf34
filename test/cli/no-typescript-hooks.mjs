// Module resolution hook for test/cli/no-typescript.mjs.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  if (/(^|\/)tsx(\/|$)/.test(specifier) || resolved.url.endsWith('.ts')) {
    throw new Error(`the roster client loaded ${specifier}: its fast path must stay plain JavaScript`)
  }
  return resolved
}
