import { describe, expect, it } from 'vitest';
import { heuristicDream } from '../../support/dream.js';
import { SessionBuilder } from '../../support/sessions.js';

const dream = (store: Record<string, string>, sessions: SessionBuilder[] = []) =>
  heuristicDream('agent-f', store, sessions);
const at = (h: number) => Date.parse('2026-11-20T00:00:00Z') + h * 3_600_000;

describe('a field each place fills in with its own value', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const path = (id: string) => `/services/svc-${id}.md`;
  const legacy = (i: number) => `- Billing owner: legacy-${200 + i}`;
  const squad = (i: number) => `- Billing owner: squad-${100 + i}`;
  const file = (id: string, ...lines: string[]) => `# Service ${id}\n\n- Region: eu-west-1\n${lines.join('\n')}\n`;

  it("is updated per place: each write supersedes its own file's old value, never another file's", async () => {
    // two sessions each move two services to a new squad, writing below the old line (the store is as after them)
    const sessions = [0, 1].map((s) => {
      const b = new SessionBuilder(`sess_${s}`, at(s)).user(`billing moved for services ${2 * s} and ${2 * s + 1}`);
      for (const i of [2 * s, 2 * s + 1]) b.memory('insert', path(ids[i]!), { insert_line: 4, insert_text: squad(i) });
      return b;
    });
    const store = Object.fromEntries(
      ids.map((id, i) => [path(id), i < 4 ? file(id, legacy(i), squad(i)) : file(id, legacy(i))]),
    );
    const { store: out, changeSet } = await dream(store, sessions);
    ids.forEach((id, i) => {
      expect(out.get(path(id))).toBe(i < 4 ? file(id, squad(i)) : file(id, legacy(i)));
      if (i < 4) expect(out.get(`/archive${path(id)}`)).not.toContain('squad-');
    });
    const superseded = changeSet.changes.filter((c) => c.reason === 'superseded' && !c.path.startsWith('/archive/'));
    expect(superseded.map((c) => c.path).sort()).toEqual(ids.slice(0, 4).map(path));
    for (const c of superseded) expect(c.tier).toBe('applied');
  });

  it('still updates a copy kept elsewhere with a note after the value', async () => {
    const s = new SessionBuilder('sess_1', at(1)).memory('str_replace', '/customers/acme.md', {
      old_str: '- Acme plan: Business',
      new_str: '- Acme plan: Enterprise',
    });
    const { accepted } = await dream(
      {
        '/customers/acme.md': '# Acme\n\n- Acme plan: Enterprise\n',
        '/followups.md': '# Follow-ups\n\n- Acme plan: Business, renewal in March\n',
      },
      [s],
    );
    expect(accepted().get('/followups.md')).not.toContain('Business');
  });

  it('still updates a copy of one value the store keeps in two places', async () => {
    const s = new SessionBuilder('sess_1', at(1)).memory('str_replace', '/tooling.md', {
      old_str: '- Package manager: yarn 1',
      new_str: '- Package manager: pnpm 9',
    });
    const { store, accepted } = await dream(
      {
        '/tooling.md': '# Tooling\n\n- Package manager: pnpm 9\n',
        '/CLAUDE.md': '# Project\n\n- Package manager: yarn 1\n',
      },
      [s],
    );
    // the one thing's older copy goes to the archive, where it was and why
    expect(accepted().get('/CLAUDE.md')).not.toContain('yarn');
    expect(store.get('/archive/CLAUDE.md')).toContain('- Package manager: yarn 1');
  });
});
