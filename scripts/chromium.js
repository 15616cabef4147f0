// The headless browser the review desk's browser test drives: Debian's `chromium` package, installed here
// when it is missing and this is root on a machine with apt (as CI is); otherwise a message naming it.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable, or undefined. DREAMGATE_CHROMIUM names another one. */
function findChromium() {
  const named = process.env.DREAMGATE_CHROMIUM;
  if (named) return existsSync(named) ? named : undefined;
  return candidates.find((c) => existsSync(c));
}

function run(cmd, args) {
  process.stderr.write(`› ${cmd} ${args.join(' ')}\n`);
  return (
    spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0
  );
}

/** Finds Chromium, or installs Debian's package; exits with the install command when it cannot. */
function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (root && apt) {
    process.stderr.write('› the review desk browser test needs Chromium: installing Debian’s chromium package\n');
    // a fresh machine may not have read its package lists yet
    if (!run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']) && run('apt-get', ['update']))
      run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
    const now = findChromium();
    if (now) return now;
  }
  process.stderr.write(
    '✗ the review desk browser test needs a headless Chromium: install it (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
      'or name one with DREAMGATE_CHROMIUM=/path/to/chromium\n',
  );
  process.exit(1);
}

module.exports = { findChromium, ensureChromium };

if (require.main === module) process.stdout.write(`${ensureChromium()}\n`);
