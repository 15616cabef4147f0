import { afterAll, describe, expect, it } from 'vitest';
import { isolatedStack } from '../../app/stack/isolated.js';
import { rm } from 'node:fs/promises';
import { isHealthy, servers, stackDown, stackUp } from '../../app/stack/servers.js';
import { loadStackConfig, s3Endpoint, temporalAddress, type StackConfig } from '../../src/config/stack.js';
import { unique } from './helpers.js';

/**
 * What `npm run test:faults` runs on (test/faults/globalSetup.ts): a stack of its own beside the shared one,
 * which it stops and restarts without touching the shared stack; a second run of the same name stops at once.
 */
let own: StackConfig | undefined;
const dirs: string[] = [];
afterAll(async () => {
  if (own) await stackDown(own, servers);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('a stack of its own for runs that stop servers', () => {
  it('runs on its own ports and folder, and stopping it leaves the shared stack up', async () => {
    const shared = await loadStackConfig();
    const name = unique('itest');
    own = await isolatedStack(shared, name);
    dirs.push(own.stateDir);
    expect(temporalAddress(own)).not.toBe(temporalAddress(shared));
    expect(s3Endpoint(own)).not.toBe(s3Endpoint(shared));
    expect(own.stateDir).not.toBe(shared.stateDir);
    expect(own.temporal.searchAttributes).toEqual(shared.temporal.searchAttributes);

    const { started } = await stackUp(own);
    expect(started.sort()).toEqual(['s3', 'temporal']);
    for (const s of servers) expect(await isHealthy(own, s)).toBe(true);

    // a second run of the same name, while this one is up: one line naming the stack in the way
    const err = (await isolatedStack(shared, name).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('StackError');
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(
      new RegExp(
        `^the ${name} stack in ${own.stateDir.replace(/[.]/g, '\\.')} is in use \\(temporal pid \\d+ on ${temporalAddress(own)}, s3 pid \\d+ on ${s3Endpoint(own).replace(/[.]/g, '\\.')}\\): another ${name} run of this checkout\\?`,
      ),
    );

    // restarting a server, as the fault tests do, touches only this stack
    await stackDown(own, ['temporal']);
    expect(await isHealthy(own, 'temporal')).toBe(false);
    expect(await isHealthy(shared, 'temporal')).toBe(true);
    await stackUp(own);
    expect(await isHealthy(own, 'temporal')).toBe(true);

    await stackDown(own, servers);
    for (const s of servers) expect(await isHealthy(shared, s)).toBe(true);
    own = undefined;
  });
});
