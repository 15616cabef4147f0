import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dreamArgs, runCli } from '../../support/cli.js';
import { tempDir } from '../../support/sessions.js';
import { corpus, type CorpusCase } from '../../corpus/cases.js';

function argsFor(c: CorpusCase, dir: string): string[] {
  const out = join(dir, 'out');
  if (c.tool === 'messages')
    return dreamArgs({
      memory: join(dir, 'memory'),
      sessions: `messages:${join(dir, 'conversations')}`,
      agent: 'agent',
      out,
    });
  if (c.tool === 'claude-code') {
    const project = `claude-code:${join(dir, 'project')}`;
    return dreamArgs({ memory: project, sessions: project, agent: 'agent', out });
  }
  if (c.tool === 'eval') return ['eval', '--memory', join(dir, 'memory'), '--suite', join(dir, 'suite.yml')];
  if (c.tool === 'fleet') return ['status', '--fleet', join(dir, 'dreamgate.yml')];
  return dreamArgs(
    { memory: join(dir, 'memory'), sessions: join(dir, 'sessions'), agent: 'agent', out: join(dir, 'out') },
    '--json',
  );
}

describe('bad input corpus', () => {
  it('has at least 50 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const dir = await tempDir('dg-corpus-');
      await c.build(dir);
      const r = await runCli(argsFor(c, dir), { CLAUDE_CONFIG_DIR: join(dir, 'dot-claude') });
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // never a crash with a stack trace
      if (c.expect.code === 2) {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(c.expect.stderr);
        if (c.expect.hides) expect(r.stderr + r.stdout).not.toContain(c.expect.hides);
        if (
          c.tool === 'dream' &&
          !/not valid UTF-8|not JSON|no "|RFC 3339|nested deeper|earlier|twice|no events|line longer|not a regular file|not a JSON object|is not a string/.test(
            r.stderr,
          )
        ) {
          // a refused store writes nothing: no --out, no temp folder left behind
          expect((await readdir(dir)).filter((n) => n === 'out' || n.includes('dreamgate'))).toEqual([]);
        }
      } else {
        expect(r.code).toBe(0);
        const cs = JSON.parse(r.stdout) as { quarantined: unknown[]; changes: unknown[]; skipped: { path: string }[] };
        expect(cs.quarantined).toHaveLength(c.expect.quarantined);
        if (c.expect.changes === 'none') expect(cs.changes).toEqual([]);
        expect(cs.skipped.map((s) => s.path)).toEqual(c.expect.skipped ?? []);
      }
    },
    60_000,
  );
});
