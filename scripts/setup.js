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

/**
 * `npm start`, `npm test`, `npm run test:faults` and `npm run bench` always run against the local stack: the
 * machine's Temporal environment (TEMPORAL_*, a temporal.toml profile for a real cluster) and S3/AWS settings
 * are ignored by every dreamgate process they start (see DREAMGATE_LOCAL_STACK in src/config/stack.ts).
 */
function useLocalStack(env = process.env) {
  env.DREAMGATE_LOCAL_STACK = '1';
  return env;
}

function setup() {
  useLocalStack();
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
    step('installing dependencies (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
  } else {
    step('building', npm, ['run', '--silent', 'build']);
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

module.exports = { root, npm, step, setup, useLocalStack };
