import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../src/config/fleet.js';
import { defaultTaskQueue, fleetTaskQueue, isTaskQueue } from '../../../src/names/scope.js';
import { tempDir } from '../../support/sessions.js';

describe('a fleet per task queue', () => {
  it('is derived from the fleet name, unless the deployment shares one queue or the fleet names its own', () => {
    expect(fleetTaskQueue({ fleet: 'shop-api' })).toBe('dreamgate-shop-api');
    expect(fleetTaskQueue({ fleet: 'shop-api' }, 'ops-queue')).toBe('ops-queue');
    expect(fleetTaskQueue({ fleet: 'shop-api', taskQueue: 'nightly.shop' }, 'ops-queue')).toBe('nightly.shop');
    // no two fleets share a derived queue, and none is the deployment's own
    expect(fleetTaskQueue({ fleet: 'a' })).not.toBe(fleetTaskQueue({ fleet: 'b' }));
    expect(fleetTaskQueue({ fleet: 'a' })).not.toBe(defaultTaskQueue);
    expect(() => fleetTaskQueue({ fleet: '../x' })).toThrow('not a fleet name');
  });

  it('a fleet file may name its queue; a bad name is refused with the file, line and key', async () => {
    expect(['dreamgate-acme', 'team.nightly', 'ns:q/1'].every(isTaskQueue)).toBe(true);
    expect(['', '/_sys/x', ' q', 'a b', 'x'.repeat(201)].some(isTaskQueue)).toBe(false);
    const dir = await tempDir('dg-scope-');
    const file = join(dir, 'dreamgate.yml');
    const text = (queue: string) =>
      `fleet: acme\ntaskQueue: ${queue}\nagents:\n  - id: coder\n    store: ./m\n    sessions: ./s\n    mode: automatic\n`;
    await writeFile(file, text('acme-nights'));
    expect((await loadFleetConfig(file)).taskQueue).toBe('acme-nights');
    await writeFile(file, text('"has space"'));
    await expect(loadFleetConfig(file)).rejects.toThrow(/dreamgate\.yml:2: taskQueue: expected a task queue name/);
  });
});
