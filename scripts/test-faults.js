// `npm run test:faults`: the set-up `npm test` does (dependencies, build), then the fault and load tests
// against real processes and servers (test/faults). Extra arguments go to vitest.
'use strict';
const { join } = require('node:path');
const { root, step, setup } = require('./setup.js');

const started = Date.now();
setup();
step('fault and load tests (vitest)', join(root, 'node_modules', '.bin', 'vitest'), [
  'run',
  '--project',
  'faults',
  ...process.argv.slice(2),
]);
process.stderr.write(`✓ npm run test:faults passed in ${Math.round((Date.now() - started) / 1000)}s\n`);
