/** A hash of the sources in cliDir (src/cli): the help catalogue is trusted only while it matches. */
export function fingerprint(cliDir: string): string
