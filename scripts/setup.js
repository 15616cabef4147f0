// Shared set-up of `npm start` and `npm test`: install dependencies if missing, then build.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title, cmd, args, opts = {}) {
  const started = Date.now();
  process.stderr.write(`› ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env, ...opts });
  if (r.status !== 0) {
    process.stderr.write(`✗ ${title} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
  return Date.now() - started;
}

function setup() {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
    step('installing dependencies (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
  } else {
    step('building', npm, ['run', '--silent', 'build']);
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

module.exports = { root, npm, step, setup };
