import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { failureCause } from '../../../app/cycleEnd.js';
import { isLive } from '../../../app/pollers.js';

describe('is a worker polling?', () => {
  it('a poller of this host is live while its process is; another host’s while it polled lately', () => {
    const now = Date.now();
    expect(isLive({ identity: `${process.pid}@${hostname()}` }, now)).toBe(true);
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    // Temporal lists a stopped worker for minutes, its last poll fresh: its pid says it is gone
    expect(isLive({ identity: `${gone}@${hostname()}`, lastAccessTime: new Date(now) }, now)).toBe(false);
    expect(isLive({ identity: '4242@elsewhere', lastAccessTime: new Date(now - 30_000) }, now)).toBe(true);
    expect(isLive({ identity: '4242@elsewhere', lastAccessTime: new Date(now - 5 * 60_000) }, now)).toBe(false);
    expect(isLive({ identity: 'a custom identity' }, now)).toBe(false);
  });
});

describe('why a cycle failed', () => {
  it('is its innermost cause, with its type: never "Activity task failed"', () => {
    expect(
      failureCause({
        message: 'Activity task failed',
        cause: { message: 'configuration abc is not held', applicationFailureInfo: { type: 'InvalidInput' } },
      }),
    ).toBe('InvalidInput: configuration abc is not held');
    expect(failureCause({ message: 'boom' })).toBe('boom');
    expect(failureCause(undefined)).toBe('failed');
  });
});
