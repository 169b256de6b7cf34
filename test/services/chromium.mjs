// Headless Chromium for browser tests: Debian's `chromium`, driven by npm playwright-core (never
// `playwright install`, which downloads a browser build of its own).
//
//   import { ensureChromiumInstalled, launchChromium } from '../services/chromium.mjs'
//   await ensureChromiumInstalled()
//   const browser = await launchChromium()
//   const context = await browser.newContext()   // one per user: no cookies shared between logins
//   ...
//   await browser.close()
//
// Playwright gives every launch a fresh temporary profile, removes it on close(), and kills the
// browser when this process exits.

import { chromium } from 'playwright-core'
import { ensureDebianPackages, isExecutable } from './common.mjs'

const CHROMIUM = '/usr/bin/chromium'
const PACKAGES = ['chromium']
const TIMEOUTS = { aptUpdate: 5 * 60_000, aptInstall: 15 * 60_000 }

const ARGS = [
  '--headless',
  // Needed as root, and harmless in a throwaway test profile.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // No calls home: there is no network for them, and they would only slow tests down.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Make sure /usr/bin/chromium is there, installing the Debian package `chromium` when it is missing
 * and `allowInstall` is true (root only).
 *
 * @param {{ allowInstall?: boolean }} [options]
 */
export async function ensureChromiumInstalled({ allowInstall = true } = {}) {
  await ensureDebianPackages(PACKAGES, {
    installed: () => isExecutable(CHROMIUM),
    missing: `Chromium not found (looked for ${CHROMIUM})`,
    allowInstall,
    logPrefix: 'roster-chromium-install-',
    timeouts: TIMEOUTS,
  })
}

/** @returns {Promise<import('playwright-core').Browser>} */
export async function launchChromium() {
  if (!isExecutable(CHROMIUM)) await ensureChromiumInstalled({ allowInstall: false })
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}
