import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium, driven by playwright-core. `npm test` installs the package where it is missing
 * (scripts/chromium.js); run directly, a missing browser fails saying what to install.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath =
    process.env.DREAMGATE_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath || !existsSync(executablePath))
    throw new Error(
      'the review desk browser test needs a headless Chromium: run `npm test` (it installs Debian’s chromium as root), `sudo apt-get install chromium`, or set DREAMGATE_CHROMIUM',
    );
  // root (as CI runs) cannot use Chromium's sandbox
  return chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}
