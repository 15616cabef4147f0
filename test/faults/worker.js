// A real worker process for the fault tests: the compiled worker (dist/), plus one fault hook. With
// DREAMGATE_FAULT_PAUSE=<activity>[:<step>] the first attempt of that activity writes
// $DREAMGATE_FAULT_DIR/paused and waits until $DREAMGATE_FAULT_DIR/release exists, so a test can SIGKILL
// this process, or stop a server, at an exact stage of a cycle. Every other activity runs as in production.
'use strict';
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { createWorker } = require('../../dist/app/worker.js');
const { loadStackConfig } = require('../../dist/src/config/stack.js');

const pauseAt = process.env.DREAMGATE_FAULT_PAUSE;
const dir = process.env.DREAMGATE_FAULT_DIR;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function matches(info, args) {
  if (!pauseAt) return false;
  const [activity, step] = pauseAt.split(':');
  // activities take one object (`{ cycle, step, … }`); v1's took positional arguments
  const named = args[0] && typeof args[0] === 'object' ? args[0].step : args[2];
  return info.activityType === activity && info.attempt === 1 && (step === undefined || named === step);
}

const pauseInterceptor = (ctx) => ({
  inbound: {
    async execute(input, next) {
      if (matches(ctx.info, input.args)) {
        writeFileSync(join(dir, 'paused'), `${ctx.info.activityType} ${ctx.info.workflowExecution.workflowId}\n`);
        // heartbeat while paused, so only a real death (not the pause) times the activity out
        while (!existsSync(join(dir, 'release'))) {
          ctx.heartbeat('paused by the fault test');
          // a slow activity still honours cancellation, as the real ones do
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          await sleep(200);
        }
      }
      return next(input);
    },
  },
});

async function main() {
  const cfg = await loadStackConfig();
  // the worker serves the fleet file the test wrote ($DREAMGATE_FLEET), as a production worker serves its own
  const { worker, close } = await createWorker(
    cfg,
    {
      taskQueue: process.env.DREAMGATE_TASK_QUEUE,
      shutdownGraceTime: '1s',
      interceptors: { activity: [pauseInterceptor] },
    },
    { fleets: { sources: [process.env.DREAMGATE_FLEET] } },
  );
  process.on('SIGTERM', () => worker.shutdown());
  writeFileSync(join(dir, `ready-${process.pid}`), 'ready\n');
  await worker.run();
  await close();
}

main().catch((err) => {
  process.stderr.write(`fault worker: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
