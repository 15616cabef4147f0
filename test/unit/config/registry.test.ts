import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentDefaults, claudeSettings, loadFleetConfig, type AgentConfig } from '../../../src/config/fleet.js';
import { fleetYaml, writeFleetFile } from '../../../src/config/fleetYaml.js';
import { FleetNotServed, FleetRegistry } from '../../../src/config/registry.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { tempDir } from '../../support/sessions.js';

const yaml = (fleet: string, extra = '') => `fleet: ${fleet}
defaults:
  reviewers: [alice]
agents:
  - id: coder
    store: ./coder/memory
    sessions: ./sessions
    suite: ./coder/suite.yml${extra}
`;

async function file(text: string): Promise<string> {
  const f = join(await tempDir('dg-registry-'), 'dreamgate.yml');
  await writeFile(f, text);
  return f;
}

describe('the fleets a worker serves', () => {
  it('resolves a cycle by fleet, agent and hash, from its own copy', async () => {
    const r = new FleetRegistry();
    const fleet = await r.load({ file: await file(yaml('acme')) });
    const got = r.resolve({ fleet: 'acme', agent: 'coder', configHash: fleet.sha256 }, { strict: true });
    expect([got.fleet.fleet, got.agent.id, got.configHash]).toEqual(['acme', 'coder', fleet.sha256]);
    expect(got.agent.store).toBe(fleet.agents[0]!.store);
  });

  it('refuses a fleet it does not serve, a hash it does not hold (strictly), an unknown agent', async () => {
    const r = new FleetRegistry();
    const fleet = await r.load({ file: await file(yaml('acme')) });
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    // not the cycle's fault: another worker on the queue may serve it (the step is left for that one)
    expect(() => r.resolve({ fleet: 'globex', agent: 'coder' }, { strict: true })).toThrow(FleetNotServed);
    expect(() => r.resolve({ fleet: 'globex', agent: 'coder' }, { strict: true })).toThrow(
      'fleet "globex" is not served by this worker (it serves: acme)',
    );
    expect(() => r.resolve({ agent: 'stranger' }, { strict: true })).toThrow(FleetNotServed);
    expect(
      refused(() => r.resolve({ fleet: 'acme', agent: 'coder', configHash: 'f'.repeat(64) }, { strict: true })),
    ).toBe(
      `configuration ffffffffffff of fleet "acme" is not held by this worker (current ${fleet.sha256.slice(0, 12)}): the starter and the worker read different fleet files`,
    );
    // a cycle already under way (a worker restarted since) goes on with the current configuration
    expect(r.resolve({ fleet: 'acme', agent: 'coder', configHash: 'f'.repeat(64) }, { strict: false }).configHash).toBe(
      fleet.sha256,
    );
    expect(refused(() => r.resolve({ fleet: 'acme', agent: 'nobody' }, { strict: true }))).toMatch(
      /agent "nobody" is not in/,
    );
  });

  it('reads an edited file again and keeps the configuration it replaced resolvable by hash', async () => {
    const f = await file(yaml('acme'));
    const r = new FleetRegistry();
    const first = await r.load({ file: f });
    await new Promise((res) => setTimeout(res, 20));
    await writeFile(f, yaml('acme', '\n    mode: automatic'));
    await r.refresh(0);
    const current = r.current('acme');
    expect(current.sha256).not.toBe(first.sha256);
    expect(current.agents[0]!.mode).toBe('automatic');
    expect(r.resolve({ fleet: 'acme', agent: 'coder', configHash: first.sha256 }, { strict: true }).agent.mode).toBe(
      'review',
    );
    expect(r.hashes('acme')).toEqual([current.sha256, first.sha256]);
  });

  it('refreshes run one at a time: a cycle never resolves against a file another refresh is still reading', async () => {
    const f = await file(yaml('acme'));
    const r = new FleetRegistry();
    await r.load({ file: f });
    await new Promise((res) => setTimeout(res, 20));
    await writeFile(f, yaml('acme', '\n    mode: automatic'));
    const edited = (await loadFleetConfig(f)).sha256;
    // as two cycles opening at once: one throttled refresh, one forced because the hash is new to it
    const [, seen] = await Promise.all([
      r.refresh(0),
      r.refresh(0).then(() => r.resolve({ fleet: 'acme', agent: 'coder', configHash: edited }, { strict: true })),
    ]);
    expect(seen.configHash).toBe(edited);
  });

  it('a broken edit keeps the last good configuration, and says why', async () => {
    const f = await file(yaml('acme'));
    const r = new FleetRegistry();
    const first = await r.load({ file: f });
    await new Promise((res) => setTimeout(res, 20));
    await writeFile(f, yaml('acme', '\n    mode: yolo'));
    const warnings: string[] = [];
    await r.refresh(0, (w) => warnings.push(w));
    expect(r.current('acme').sha256).toBe(first.sha256);
    expect(warnings[0]).toMatch(/^fleet acme: keeping configuration [0-9a-f]{12}; .*agents\[0\]\.mode/);
  });

  it('an input of the previous version named the agent alone: found when exactly one fleet has it', async () => {
    const r = new FleetRegistry();
    await r.load({ file: await file(yaml('acme')) });
    expect(r.resolve({ agent: 'coder' }, { strict: true }).fleet.fleet).toBe('acme');
    await r.load({ file: await file(yaml('globex')) });
    expect(() => r.resolve({ agent: 'coder' }, { strict: true })).toThrow(
      'agent "coder" is in several fleets (acme, globex); name the fleet',
    );
  });

  it('a fleet in S3 is pinned by its sha256, and refused when the object differs', async () => {
    expect(() => FleetRegistry.parseSource('s3://b/fleets/acme.yml')).toThrow(/must be pinned by its sha256/);
    const text = Buffer.from(yaml('acme'));
    const r = new FleetRegistry(async () => text);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(text).digest('hex');
    expect((await r.load(FleetRegistry.parseSource(`s3://b/fleets/acme.yml#sha256=${sha}`))).sha256).toBe(sha);
    const other = new FleetRegistry(async () => Buffer.from(yaml('acme', '\n    mode: automatic')));
    await expect(other.load(FleetRegistry.parseSource('s3://b/fleets/acme.yml', sha))).rejects.toThrow(
      `s3://b/fleets/acme.yml: sha256 is`,
    );
  });
});

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINm6SnFTPQH1kx7LMfpqJFuR9fqZFVVB6Ac5g3Js8yDe alice@laptop';

describe('reviewers with SSH keys', () => {
  it('carries each reviewer’s key (type and base64; the comment is free text and left out)', async () => {
    const fleet = await loadFleetConfig(
      await file(yaml('acme').replace('reviewers: [alice]', `reviewers: [{ name: alice, key: "${key}" }]`)),
    );
    expect(fleet.agents[0]!.reviewerKeys).toEqual({ alice: key.split(' ').slice(0, 2).join(' ') });
  });
  it.each([
    [
      'a key that is not one',
      `reviewers: [{ name: alice, key: "ssh-ed25519 not-base64!" }]`,
      /dreamgate\.yml:3: defaults\.reviewers\[0\]/,
    ],
    [
      'a reviewer without a key beside one with',
      `reviewers: [{ name: alice, key: "${key}" }, bob]`,
      /reviewers bob have no key while others do/,
    ],
    ['a name with a space', 'reviewers: ["alice smith"]', /defaults\.reviewers\[0\]/],
  ])('refuses %s, naming where', async (_name, line, message) => {
    await expect(loadFleetConfig(await file(yaml('acme').replace('reviewers: [alice]', line)))).rejects.toThrow(
      message,
    );
  });
});

describe('fleet files written from configurations', () => {
  it('load back to the same agents', async () => {
    const dir = await tempDir('dg-yaml-');
    const agent: AgentConfig = {
      fleet: 'f',
      id: 'a1',
      store: join(dir, 'memory'),
      sessions: join(dir, 'sessions'),
      suite: join(dir, 'suite.yml'),
      mode: 'hybrid',
      threshold: 0.05,
      minNewSessions: 2,
      reviewTimeoutMs: 90_000,
      trustAfter: 4,
      dreamer: 'claude',
      scorer: 'deterministic',
      claude: claudeSettings(),
      redreamAttempts: 2,
      evaluator: ['./score.sh', '--fast'],
      reviewers: ['alice'],
      reviewerKeys: { alice: key.split(' ').slice(0, 2).join(' ') },
      owners: ['o@example.test'],
      maxSessions: agentDefaults.maxSessions,
      onQuarantine: 'review',
    };
    expect(fleetYaml({ fleet: 'f', agents: [agent] })).toContain('fleet: f');
    const fleet = await writeFleetFile(join(dir, 'dreamgate.yml'), { fleet: 'f', agents: [agent] });
    expect(fleet.agents[0]).toEqual(agent);
  });
});

describe('what a quarantine does to a cycle (onQuarantine)', () => {
  const fleetText = (agent: string, defaults = 'reviewers: [alice]') => `fleet: q
defaults:
  ${defaults}
agents:
  - id: coder
    store: ./coder/memory
    sessions: ./sessions
${agent}`;

  it('waits for a reviewer by default, even in automatic mode, or notifies when told', async () => {
    const auto = await loadFleetConfig(await file(fleetText('    mode: automatic\n')));
    expect(auto.agents[0]!.onQuarantine).toBe('review');
    expect(auto.notices).toEqual([]);
    const told = await loadFleetConfig(await file(fleetText('    mode: automatic\n    onQuarantine: notify\n')));
    expect(told.agents[0]!.onQuarantine).toBe('notify');
  });

  it('falls back to notify for an automatic agent with no reviewers, and says so once', async () => {
    const lines: string[] = [];
    const r = new FleetRegistry(undefined, {}, (l) => lines.push(l));
    const f = await file(fleetText('    mode: automatic\n', 'owners: [ops@example.test]'));
    const fleet = await r.load({ file: f });
    expect(fleet.agents[0]!.onQuarantine).toBe('notify');
    expect(lines).toEqual([
      expect.stringMatching(/^fleet q: coder: automatic with no reviewers.*onQuarantine: notify/),
    ]);
    r.add(fleet); // the same configuration again: nothing said twice
    expect(lines).toHaveLength(1);
  });

  it('refuses review on a quarantine when there is nobody to review, naming the agent', async () => {
    await expect(
      loadFleetConfig(
        await file(fleetText('    mode: automatic\n    onQuarantine: review\n', 'owners: [ops@example.test]')),
      ),
    ).rejects.toThrow(/agents\[0\] \(coder\): onQuarantine "review" needs at least one reviewer/);
  });
});
