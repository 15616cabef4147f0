import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeHealth } from '../../../src/evaluate/health.js';
import { DeterministicScorer, EvaluationFailed, ExternalScorer } from '../../../src/evaluate/scorer.js';
import { loadSuite } from '../../../src/evaluate/suite.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { tempDir } from '../../support/sessions.js';

async function suiteFile(yaml: string): Promise<string> {
  const file = join(await tempDir(), 'suite.yml');
  await writeFile(file, yaml);
  return file;
}

const suiteYaml = `cases:
  - id: staging-db
    question: Which database host does staging use?
    expect:
      all: ["db-2.internal"]
      none: ["db-1.internal"]
    weight: 3
  - id: owner
    question: Who owns refunds?
    expect:
      any: ["Priya", "/refunds.*owner/i"]
  - id: absent
    question: Anything about Kafka?
    expect:
      all: ["/kafka\\\\s+cluster/i"]
`;

describe('suites and the deterministic scorer', () => {
  it('scores the weighted fraction of passing cases from text outside /archive/', async () => {
    const suite = await loadSuite(await suiteFile(suiteYaml));
    const store = MemoryStore.from({
      '/infra.md': '- staging db: db-2.internal\n',
      '/archive/infra.md': '- staging db: db-1.internal\n',
      '/people.md': '- Priya owns refunds\n',
    });
    const result = await new DeterministicScorer().evaluate(store, suite);
    expect(result.cases.map((c) => [c.id, c.passed])).toEqual([
      ['staging-db', true],
      ['owner', true],
      ['absent', false],
    ]);
    expect(result.score).toBeCloseTo(4 / 5);
    expect(result.cases[2]!.reasons).toEqual(['missing /kafka\\s+cluster/i']);
    const stale = MemoryStore.from({ '/infra.md': '- staging db: db-2.internal\n- old: db-1.internal\n' });
    expect((await new DeterministicScorer().evaluate(stale, suite)).cases[0]!.reasons).toEqual([
      'still asserts db-1.internal',
    ]);
  });

  it.each([
    [
      'a bad regular expression, naming the case and item',
      'cases:\n  - id: x\n    question: q\n    expect:\n      all: ["/(unclosed/"]\n',
      /case "x" expect\.all\[0\]: bad regular expression/,
    ],
    [
      'an unknown key, naming its line',
      'cases:\n  - id: x\n    question: q\n    expect: {}\n    wieght: 2\n',
      /suite\.yml:5: cases\[0\]: Unrecognized key: "wieght"/,
    ],
    [
      'a wrong type, naming its line',
      'cases:\n  - id: x\n    question: q\n    expect: {}\n    weight: heavy\n',
      /suite\.yml:5: cases\[0\]\.weight: /,
    ],
    ['no cases', 'cases: []\n', /cases: a suite needs at least one case/],
    [
      'a repeated id',
      'cases:\n  - {id: a, question: q, expect: {}}\n  - {id: a, question: q, expect: {}}\n',
      /"a" is used twice/,
    ],
  ])('refuses %s', async (_name, yaml, message) => {
    const err = await loadSuite(await suiteFile(yaml)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as Error).message).toMatch(message);
  });

  it('reports store health: duplicates, contradictions, size', () => {
    const h = storeHealth(
      MemoryStore.from({
        '/a.md': '# A\n- x is 1\n- Staging DB host: a\n',
        '/b.md': '- x is 1\n- staging db host: b\n',
        '/archive/a.md': '- x is 1\n',
      }),
    );
    expect(h).toMatchObject({ files: 3, factLines: 4, duplicateRatio: 0.25, contradictions: 1 });
    expect(h.estimatedTokens).toBe(Math.ceil(h.bytes / 4));
  });
});

describe('external evaluator', () => {
  async function script(body: string): Promise<string> {
    const file = join(await tempDir(), 'eval.sh');
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }
  const store = MemoryStore.from({ '/a.md': '- hello\n' });
  const suite = { file: 's', cases: [] };

  it('reads {"score": …} from a command given the store directory', async () => {
    const cmd = await script(
      'test -f "$1/a.md" && grep -q hello "$DREAMGATE_STORE_DIR/a.md" && echo \'{"score": 0.93}\'',
    );
    expect((await new ExternalScorer([cmd]).evaluate(store, suite)).score).toBe(0.93);
  });
  it.each([
    ['a non-zero exit', 'echo boom >&2; exit 3', /failed .*boom/],
    ['output that is not JSON', 'echo "score: high"', /printed no JSON/],
    ['a score out of range', 'echo \'{"score": 7}\'', /expected \{"score": <number from 0 to 1>\}/],
  ])('treats %s as an evaluation failure, never a zero score', async (_name, body, message) => {
    const err = await new ExternalScorer([await script(body)]).evaluate(store, suite).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvaluationFailed);
    expect((err as Error).message).toMatch(message);
  });
});
