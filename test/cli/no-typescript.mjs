// Preloaded (node --import) by test/cli/help.cli.test.ts: the `roster` client must answer --help and
// unknown commands without tsx or any TypeScript source. Loading either fails the process.
import { register } from 'node:module'

register('./no-typescript-hooks.mjs', import.meta.url)
