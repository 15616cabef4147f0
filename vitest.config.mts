import { defineConfig } from 'vitest/config';

// Tests run against the local stack even when this machine's environment or temporal.toml names a real
// cluster (`npx vitest` directly as well as `npm test`); test workers inherit this. A test that exercises
// the Temporal environment passes its own variables explicitly.
process.env.DREAMGATE_LOCAL_STACK = '1';

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/globalSetup.ts'],
          setupFiles: ['test/integration/setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // the real servers are shared: files run one at a time so timings and ports stay predictable
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // `npm run test:faults`: workers killed, servers restarted, a 200-agent fleet (slow; .ci/run runs it),
          // on a stack of its own (test/faults/globalSetup.ts), never the shared one
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/faults/globalSetup.ts'],
          setupFiles: ['test/integration/setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          maxConcurrency: 4,
        },
      },
    ],
  },
});
