/**
 * Every port's conformance suite, for an adapter to run in one go:
 *
 *   for (const subject of [myAdapter]) describeAllConformance(subject)
 *
 * The PostgreSQL adapter runs them file by file (`<concept>.test.ts`), on PGlite and a server.
 */
import type { StoreUnderTest } from './harness.js'
import { describeConformance as access } from './access.js'
import { describeConformance as audit } from './audit.js'
import { describeConformance as credentials } from './credentials.js'
import { describeConformance as directorySync } from './directory-sync.js'
import { describeConformance as identity } from './identity.js'
import { describeConformance as signIn } from './sign-in.js'
import { describeConformance as tenancy } from './tenancy.js'
import { describeConformance as notices } from './notices.js'
import { describeConformance as provisioningLog } from './provisioning-log.js'

export type { StoreUnderTest }

export function describeAllConformance(subject: StoreUnderTest): void {
  for (const suite of [tenancy, identity, access, credentials, signIn, audit, directorySync, notices, provisioningLog]) suite(subject)
}
