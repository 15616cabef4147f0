// `npm run bench [-- --quick]`: all set-up, then the benchmarks (bench/run.ts, built to dist/bench).
'use strict';
const { join } = require('node:path');
const { root, step, setup } = require('./setup.js');

setup();
// the benchmark's own worker runs as a worker is launched: with the worker's V8 flags (src/config/tuning.ts)
const { workerNodeFlags } = require(join(root, 'dist', 'src', 'config', 'tuning.js'));
step(`benchmarks${process.argv.includes('--quick') ? ' (quick)' : ''}`, process.execPath, [
  ...workerNodeFlags,
  join(root, 'dist', 'bench', 'run.js'),
  ...process.argv.slice(2),
]);
