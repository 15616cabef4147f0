import { Client, ScheduleNotFoundError, type Connection } from '@temporalio/client';
import { scheduleName } from '../src/config/scope.js';
import { connectTemporal } from './temporal/connect.js';
import type { TemporalSettings } from './temporal/settings.js';

/**
 * What a worker pauses schedules with: a Temporal client made on first use (a worker that never pauses one
 * never opens a second connection), closed with the worker.
 */
export function schedulePauser(t: TemporalSettings) {
  let connection: Promise<Connection> | undefined;
  return {
    async pause(fleet: string, note: string): Promise<string> {
      connection ??= connectTemporal(t);
      const client = new Client({ connection: await connection, namespace: t.namespace });
      const handle = client.schedule.getHandle(scheduleName(fleet));
      try {
        await handle.pause(note);
        return 'paused';
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return `no schedule ${scheduleName(fleet)}`;
        throw err;
      }
    },
    async close(): Promise<void> {
      if (connection) await (await connection.catch(() => undefined))?.close();
    },
  };
}
