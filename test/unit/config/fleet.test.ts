import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../src/config/fleet.js';
import { teamId } from '../../../src/names/scope.js';
import { tempDir } from '../../support/sessions.js';
import { scopePrefix } from '../../../src/names/keys.js';
import { InvalidInput } from '../../../src/util/errors.js';

describe('the fleet’s team store', () => {
  it('gives the team store the id @team and every agent its fleet', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dreamgate.yml');
    await writeFile(
      file,
      'fleet: f\nteamStore: ./team\nagents:\n  - id: f-team\n    store: ./m\n    sessions: ./s\n    suite: ./a.yml\n    mode: automatic\n',
    );
    const fleet = await loadFleetConfig(file);
    expect(fleet.agents[0]).toMatchObject({ fleet: 'f', id: 'f-team' });
    expect(fleet.team).toMatchObject({ fleet: 'f', id: teamId });
    expect(scopePrefix(fleet.team!)).not.toBe(scopePrefix(fleet.agents[0]!));
  });
});

async function fleetFile(yaml: string): Promise<string> {
  const file = join(await tempDir(), 'dreamgate.yml');
  await writeFile(file, yaml);
  return file;
}

const minimal = `fleet: acme
defaults:
  reviewers: [alice]
agents:
  - id: coder
    store: ./coder/memory
    sessions: ./sessions
    suite: ./coder/suite.yml
`;

describe('fleet config', () => {
  it('fills defaults and resolves paths against the file', async () => {
    const file = await fleetFile(minimal);
    const fleet = await loadFleetConfig(file);
    expect(fleet.agents[0]).toMatchObject({
      id: 'coder',
      mode: 'review',
      threshold: 0.02,
      minNewSessions: 3,
      reviewTimeoutMs: 86_400_000,
      reviewers: ['alice'],
      dreamer: 'heuristic',
    });
    expect(fleet.agents[0]!.store).toBe(join(file, '..', 'coder', 'memory'));
    expect(fleet.concurrency).toBe(4);
  });

  it.each([
    [
      'a wrong mode, naming its line',
      minimal.replace('    suite: ./coder/suite.yml', '    suite: ./coder/suite.yml\n    mode: yolo'),
      /dreamgate\.yml:9: agents\[0\]\.mode: /,
    ],
    [
      'an unknown key, naming its line',
      minimal.replace('fleet: acme', 'fleet: acme\nconcurency: 2'),
      /dreamgate\.yml:2: \(top level\)?.*Unrecognized key: "concurency"/,
    ],
    [
      'a bad duration',
      minimal.replace('defaults:', 'defaults:\n  reviewTimeout: soon'),
      /defaults\.reviewTimeout: expected a duration/,
    ],
    [
      'a review agent with no reviewer',
      minimal.replace('  reviewers: [alice]\n', ''),
      /mode "review" needs at least one reviewer/,
    ],
    [
      'a bad time zone',
      minimal.replace('defaults:', 'schedule:\n  time: "02:30"\n  timezone: Mars/Olympus\ndefaults:'),
      /schedule\.timezone: expected an IANA time zone/,
    ],
    ['a duplicate agent', minimal + minimal.split('agents:\n')[1], /"coder" is used twice/],
  ])('refuses %s', async (_name, yaml, message) => {
    const err = await loadFleetConfig(await fleetFile(yaml)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as Error).message).toMatch(message);
  });

  it('turns a team store into an automatic team-lessons agent over every agent store', async () => {
    const fleet = await loadFleetConfig(await fleetFile(minimal.replace('agents:', 'teamStore: ./team\nagents:')));
    expect(fleet.team).toMatchObject({
      fleet: 'acme',
      id: '@team',
      mode: 'automatic',
      dreamer: 'team-lessons',
      minNewSessions: 0,
      sources: [{ id: 'coder', store: fleet.agents[0]!.store }],
    });
  });
});
