// `npm test`: all set-up (dependencies, build, the real servers via vitest's globalSetup), then format,
// lint, type checks and every test. Extra arguments go to vitest, e.g. `npm test -- test/unit`.
'use strict';
const { join } = require('node:path');
const { root, step, setup } = require('./setup.js');
const { ensureChromium } = require('./chromium.js');

const bin = (name) => join(root, 'node_modules', '.bin', name);
const started = Date.now();
setup();
step('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
step('lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']);
step('types (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
// the fault and load runs are long: `npm run test:faults` (which .ci/run also runs)
const args = process.argv.slice(2);
// the review desk's browser test drives a headless Chromium (Debian's package, installed here when missing)
if (args.length === 0 || args.some((a) => a.includes('integration'))) process.env.DREAMGATE_CHROMIUM = ensureChromium();
step('tests (vitest)', bin('vitest'), [
  'run',
  ...(args.length > 0 ? args : ['--project', 'unit', '--project', 'integration']),
]);
process.stderr.write(`✓ npm test passed in ${Math.round((Date.now() - started) / 1000)}s\n`);
