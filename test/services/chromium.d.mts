// Types for test/services/chromium.mjs (plain JavaScript), for the TypeScript tests.

import type { Browser } from 'playwright-core'

/** Installs the Debian package chromium when /usr/bin/chromium is missing; allowInstall defaults to true (root only). */
export function ensureChromiumInstalled(options?: { allowInstall?: boolean }): Promise<void>
/** Headless /usr/bin/chromium with a fresh temporary profile; close() it when done. */
export function launchChromium(): Promise<Browser>
