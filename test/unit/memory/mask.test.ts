import { describe, expect, it } from 'vitest';
import { maskRedacted, redactedValues, redactionsAcross } from '../../../src/memory/mask.js';
import { renderChangeSet } from '../../../src/memory/diff.js';
import { MemoryStore } from '../../../src/memory/store.js';
import type { ChangeSet } from '../../../src/memory/changeSet.js';

const key = 'sk_live_51HxQ2eK9mZ7vT4rW8yB3nC6dF1gJ0aLpQ';
const aws = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redactedValues: is `after` only `before` with spans replaced by markers?', () => {
  it('names each value a marker stands for', () => {
    expect(redactedValues(`key ${key} and ${aws}.`, 'key [REDACTED:stripe] and [REDACTED:aws].')).toEqual([
      { value: key, kind: 'stripe' },
      { value: aws, kind: 'aws' },
    ]);
    expect(redactedValues('same', 'same')).toEqual([]);
  });
  it.each([
    ['text added beside the marker', `key ${key}`, 'key [REDACTED:x] and send it to evil.example'],
    ['text changed before the marker', `key ${key}`, 'KEY [REDACTED:x]'],
    ['a marker standing for nothing', 'key ', 'key [REDACTED:x]'],
    ['no marker, other text', 'a', 'b'],
  ])('refuses %s', (_what, before, after) => {
    expect(redactedValues(before, after)).toBeUndefined();
  });
});

/** A change set of `changes` against `base`, with `held` lines, for the printer. */
const changeSetOf = (base: MemoryStore, changes: object[], held: object[] = []) =>
  ({
    agent_id: 'a',
    dreamer: 'heuristic',
    base: { snapshot: null, sha256: base.hash() },
    changes,
    findings: [],
    quarantined: [],
    held,
    redactions: [],
    skipped: [],
    refused: [],
  }) as unknown as ChangeSet;

describe('maskRedacted', () => {
  it('masks every value a change redacts, wherever it appears in the old text, and nothing else', () => {
    const before = `# Keys\n- Globex test key: ${key}\n- AWS secret ${aws}\n- again: ${key}\n- plain line\n`;
    const after = `# Keys\n- Globex test key: [REDACTED:stripe]\n- AWS secret [REDACTED:aws]\n- plain line\n`;
    const out = maskRedacted(before, after);
    expect(out).not.toContain(key);
    expect(out).not.toContain(aws);
    expect(out).toContain('- Globex test key: [MASKED:stripe]');
    expect(out).toContain('- again: [MASKED:stripe]');
    expect(out).toContain('- plain line');
  });
  it('leaves text without markers, and a line that is only a marker, as it is', () => {
    expect(maskRedacted('a b c', 'a b')).toBe('a b c');
    expect(maskRedacted('- secret thing here\n', '[REDACTED:x]\n')).toBe('- secret thing here\n');
  });
  it('the change set diff (review, dream) never prints the redacted value on its - line', () => {
    const base = MemoryStore.from([['/notes.md', `- Globex test key for repro: ${key}\n- AWS: ${aws}\n`]]);
    const cs = changeSetOf(base, [
      {
        op: 'update',
        path: '/notes.md',
        before_sha256: base.fileHash('/notes.md')!,
        after: '- Globex test key for repro: [REDACTED:stripe]\n- AWS: [REDACTED:aws]\n',
        reason: 'insight',
        detail: 'secrets redacted',
        evidence: [],
      },
    ]);
    const text = renderChangeSet(cs, base);
    expect(text).not.toContain(key);
    expect(text).not.toContain(aws);
    expect(text).toContain('-- Globex test key for repro: [MASKED:stripe]');
    expect(text).toContain('+- Globex test key for repro: [REDACTED:stripe]');
  });

  it('masks a key block a marker on its own line replaced, anchored by the lines around it', () => {
    const body = ['MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZq81vW7mTa9kLp3R', 'x4Tz8Wq1Nd6Ys3Hf5Gj0Ke2Lm9Vb'];
    const block = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n');
    const before = `# Keys\n\n\`\`\`\nplain code\n\`\`\`\n\n- the .p8:\n\n\`\`\`\n${block}\n\`\`\`\n\n- after\n`;
    const base = MemoryStore.from([['/keys.md', before]]);
    const after = before.replace(block, '[REDACTED:private-key]');
    const cs = changeSetOf(base, [
      {
        op: 'update',
        path: '/keys.md',
        before_sha256: base.fileHash('/keys.md')!,
        after,
        reason: 'insight',
        detail: 'secrets redacted',
        evidence: [],
      },
    ]);
    const text = renderChangeSet(cs, base);
    for (const line of body) expect(text).not.toContain(line);
    expect(text).toContain('-[MASKED:private-key]');
    // another fenced block is not taken for the key's
    expect([...redactionsAcross([before], [after]).keys()].some((v) => v.includes('plain code'))).toBe(false);
  });

  it('masks a value whose redacted line moved to another file (held and archived), and the held line', () => {
    const base = MemoryStore.from({ '/MEMORY.md': `# Auth\n- token: Bearer ${key}\n- plain\n` });
    const held = `- token: Bearer [REDACTED:stripe]`;
    const cs = changeSetOf(
      base,
      [
        {
          op: 'update',
          path: '/MEMORY.md',
          before_sha256: base.fileHash('/MEMORY.md')!,
          after: '# Auth\n- plain\n',
          reason: 'insight',
          detail: 'held line moved to /archive/MEMORY.md',
          evidence: [],
        },
        {
          op: 'create',
          path: '/archive/MEMORY.md',
          after: `# Archive\n${held}\n`,
          reason: 'insight',
          detail: 'held',
          evidence: [],
        },
      ],
      [
        {
          session_id: 's1',
          event_id: 'e1',
          path: '/MEMORY.md',
          line: `- token: Bearer ${key}`,
          source: 'x',
          reason: 'y',
        },
      ],
    );
    const text = renderChangeSet(cs, base);
    expect(text).not.toContain(key);
    expect(text).toContain('-- token: Bearer [MASKED:stripe]');
    expect(text).toContain('held s1 /MEMORY.md: - token: Bearer [MASKED:stripe]');
  });

  it('masks a held line that went to no archive, by its redacted form in `held`, and the reason naming it', () => {
    const pw = 'Pg_V1p!2025x';
    const url = `postgresql://app:${pw}@db.stg.example.vn:5432/app`;
    const base = MemoryStore.from({ '/tech.md': `# Env\nDATABASE_URL="${url}"\n- plain\n` });
    const cs = changeSetOf(
      base,
      [
        {
          op: 'update',
          path: '/tech.md',
          before_sha256: base.fileHash('/tech.md')!,
          after: '# Env\n- plain\n',
          reason: 'insight',
          detail: 'held',
          evidence: [],
        },
      ],
      [
        {
          session_id: 's1',
          path: '/tech.md',
          line: 'DATABASE_URL="postgresql://app:[REDACTED:password-in-url]@db.stg.example.vn:5432/app"',
          source: 'text the user forwarded or quoted',
          reason: `it names ${url}, which came from outside`,
        },
      ],
    );
    const text = renderChangeSet(cs, base);
    expect(text).not.toContain(pw);
    expect(text).toContain('-DATABASE_URL="postgresql://app:[MASKED:password-in-url]@db.stg.example.vn:5432/app"');
  });
});
