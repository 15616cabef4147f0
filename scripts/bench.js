// `npm run bench [-- --quick]`: all set-up, then the benchmarks (bench/run.ts, built to dist/bench).
'use strict';
const { join } = require('node:path');
const { root, step, setup } = require('./setup.js');

setup();
step(`benchmarks${process.argv.includes('--quick') ? ' (quick)' : ''}`, process.execPath, [
  join(root, 'dist', 'bench', 'run.js'),
  ...process.argv.slice(2),
]);
