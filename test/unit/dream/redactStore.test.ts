import { describe, expect, it } from 'vitest';
import { redactStore } from '../../../src/dream/prepare.js';
import { secretFingerprint, standsAlone } from '../../../src/sessions/secrets.js';

const store = (files: Record<string, string>) => new Map(Object.entries(files));

describe('copies of a secret across a store’s documents', () => {
  it('redacts every copy of a value that is a secret by its own characters', async () => {
    const out = await redactStore(
      store({
        '/env.md': '- DB_PASSWORD=Hunter2024!x',
        '/runbook.md': 'connect with `psql -W` and type Hunter2024!x when asked',
      }),
      new Set(),
    );
    expect(out.get('/runbook.md')!.text).not.toContain('Hunter2024!x');
    expect(out.get('/runbook.md')!.found).toEqual({ 'known-secret': 1 });
  });

  it('leaves other copies of a value only its label made a secret: what it is there is what it says', async () => {
    const out = await redactStore(
      store({
        '/tokens.md': '- **Brand token**: `--brand-primary`\n- SESSION_KEY=orange-tiger-river',
        '/components.md': 'Buttons use `var(--brand-primary)`; the demo theme is called orange-tiger-river.',
      }),
      new Set(),
    );
    expect(out.get('/tokens.md')!.text).not.toContain('orange-tiger-river');
    expect(out.get('/components.md')!.text).toBe(
      'Buttons use `var(--brand-primary)`; the demo theme is called orange-tiger-river.',
    );
  });

  it('still redacts a value a session found, by its fingerprint, wherever the store writes it', async () => {
    const out = await redactStore(
      store({ '/notes.md': 'the theme is orange-tiger-river' }),
      new Set([secretFingerprint('orange-tiger-river')]),
    );
    expect(out.get('/notes.md')!.text).not.toContain('orange-tiger-river');
  });

  it('knows a secret by its characters', () => {
    expect(['Hunter2024!x', 'Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB', 'Kaveh@۱۴۰۳'].map(standsAlone)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['orange-tiger-river', '#2563EB80', '--color-bg', '$DB_PASSWORD', 'xxxxxxxxxxxx'].map(standsAlone)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
