// `npm start`: all set-up (dependencies, build, the real servers), then the main job.
'use strict';
const { join } = require('node:path');
const { root, step, setup } = require('./setup.js');

setup();
step('running the demo', process.execPath, [join(root, 'bin', 'dreamgate.js'), 'demo', ...process.argv.slice(2)]);
