import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../src/config/fleet.js';
import {
  cyclesQuery,
  cycleWorkflowId,
  defaultTaskQueue,
  fleetTaskQueue,
  isTaskQueue,
  scopedName,
  teamId,
} from '../../../src/names/scope.js';
import { tempDir } from '../../support/sessions.js';
import { legacyPrefix, scopePrefix } from '../../../src/names/keys.js';

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

describe('one namespace per fleet and agent', () => {
  const a = { fleet: 'acme', id: 'coder' };
  const b = { fleet: 'globex', id: 'coder' };

  it('gives two fleets with an agent of the same id different keys, workflow ids and search values', () => {
    expect(scopePrefix(a)).toBe('fleets/acme/agents/coder/');
    expect(scopePrefix(b)).toBe('fleets/globex/agents/coder/');
    expect(cycleWorkflowId(a)).not.toBe(cycleWorkflowId(b));
    expect(scopedName(a)).toBe('acme/coder');
    expect(cyclesQuery(a, { running: true })).toBe(
      '(DreamAgent = "acme/coder" OR (WorkflowId = "dream:acme:coder" AND (WorkflowType = "dreamCycle" OR ' +
        'WorkflowType = "agentRollback" OR WorkflowType = "agentRecord"))) AND ExecutionStatus = "Running"',
    );
  });

  it('keeps the team store apart from an agent named like it', () => {
    const team = { fleet: 'acme', id: teamId };
    const lookalike = { fleet: 'acme', id: 'acme-team' };
    expect(scopePrefix(team)).toBe('fleets/acme/team/');
    expect(scopePrefix(lookalike)).toBe('fleets/acme/agents/acme-team/');
    expect(cycleWorkflowId(team)).not.toBe(cycleWorkflowId(lookalike));
    expect(scopedName(team)).not.toBe(scopedName(lookalike));
    // only where objects were kept before namespaces do they share a name
    expect(legacyPrefix(team)).toBe(legacyPrefix(lookalike));
  });

  it('refuses names that could leave the namespace', () => {
    for (const bad of ['../x', 'a/b', 'a:b', '', '@team', 'x'.repeat(65), 'a\nb'])
      expect(() => scopePrefix({ fleet: 'acme', id: bad === '@team' ? 'a@b' : bad }), bad).toThrow(/agent id/);
    expect(() => scopePrefix({ fleet: 'a/b', id: 'x' })).toThrow(/fleet name/);
  });
});
