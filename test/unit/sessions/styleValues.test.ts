import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../src/sessions/secrets.js';
import { isStyleValue } from '../../../src/sessions/styleValues.js';

describe('CSS values are never secrets', () => {
  it.each([
    '#3B82F6',
    '#2563EB80',
    '#fff',
    '0.5rem',
    '16px',
    '-3px',
    '100%',
    '250ms',
    '--color-bg',
    'var(--color-blue-500)',
    'var(--x, #fff)',
    'hsl(217.2 91.2% 59.8%)',
    'rgba(255,255,255,0.8)',
    'oklch(0.7 0.1 240 / 50%)',
    'calc(100% - 2rem)',
    '0 10px 15px -3px rgb(0 0 0 / 0.1)',
    'linear-gradient(135deg, #667eea 0%, #764ba2 100%)',
    '1px solid #E5E7EB',
    'color-mix(in srgb, var(--accent) 40%, transparent)',
  ])('%s', (v) => expect(isStyleValue(v)).toBe(true));

  it.each([
    'Hunter2024!',
    'Xk29fLq81mZp0RtY7wVb',
    'orange-tiger-river',
    'sans-serif',
    '3f6c1d2e-8a7b-4c9d-b0e1-f2a3b4c5d6e7',
    'sk-proj-9f8e7d6c5b4a3928',
    'getSecret(user)x',
    '',
  ])('not %s', (v) => expect(isStyleValue(v)).toBe(false));

  // a design system's tokens in the syntaxes stores keep them in: labels, tables, CSS, code, other languages
  const designSystem = [
    '- Token `--shadow-lg`: `0 10px 15px -3px rgb(0 0 0 / 0.1)`',
    '- design-token: #2563EB80',
    '- キーカラー（メイン）: #FF6B00CC',
    '- 키 컬러 토큰: #1E40AF80',
    '- Ключ цвета: #0F172AFF',
    '| Token | Value |',
    '| --- | --- |',
    '| --color-bg | hsl(0 0% 100%) |',
    '| --color-fg | #0A0A0A |',
    '| --spacing-4 | 1rem |',
    '```css',
    ':root { --accent-token: var(--color-blue-500); --key-ring: 222.2 84% 4.9%; }',
    '```',
    "export const tokens = { brandKey: '#FF5A5F80', spacingToken: '1.25rem' };",
    '$color-key: #0f3460aa;',
  ].join('\n');

  it('keeps every design token, and still redacts a key beside them', async () => {
    expect((await redactSecrets(designSystem)).text).toBe(designSystem);
    const withKey = `${designSystem}\n- API key: \`Xk29fLq81mZp0RtY7wVb\``;
    const r = await redactSecrets(withKey);
    expect(r.text).not.toContain('Xk29fLq81mZp0RtY7wVb');
    expect(r.text).toContain('| --color-bg | hsl(0 0% 100%) |');
    expect(Object.values(r.found).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
