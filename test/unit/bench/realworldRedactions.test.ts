import { describe, expect, it } from 'vitest';
import { falseRedactions, sessionLines } from '../../../bench/realworldRedactions.js';

describe('false redactions', () => {
  it('reads every string a session holds, line by line, and passes over an invalid line', () => {
    const jsonl = [
      JSON.stringify({ type: 'agent.tool_use', input: { command: 'create', file_text: '# A\n- token: $TOKEN' } }),
      '{not json',
      JSON.stringify({ content: [{ type: 'text', text: 'hello' }] }),
    ].join('\n');
    expect(sessionLines(jsonl)).toEqual(['agent.tool_use', 'create', '# A', '- token: $TOKEN', 'text', 'hello']);
  });
  it('does not count a marker over a planted secret, a line already in the input, or an untraceable one', () => {
    const input = new Map([['/a.md', '- key: Zq81vW7mTa9kLp3\n- old: [REDACTED:x] kept\n']]);
    const output = new Map([
      ['/a.md', '- key: [REDACTED:labelled-key]\n- old: [REDACTED:x] kept\n- rewritten: [REDACTED:y] by the dream\n'],
    ]);
    const sources = [...input.get('/a.md')!.split('\n')];
    expect(falseRedactions(input, output, sources, ['Zq81vW7mTa9kLp3'])).toEqual([]);
    expect(falseRedactions(input, output, sources, [])).toEqual(['/a.md: labelled-key']);
  });
  it('reads a marked line from the source that explains it when a template line shares its shape', () => {
    const input = new Map([
      ['/docs.md', 'token: "123456:ABC-DEF..."\n'],
      ['/c.md', 'token: "7341928850:AAGx4Lk9Tq"\n'],
    ]);
    const output = new Map([['/c.md', 'token: "[REDACTED:labelled-key]"\n']]);
    const sources = ['token: "123456:ABC-DEF..."', 'token: "7341928850:AAGx4Lk9Tq"'];
    expect(falseRedactions(input, output, sources, ['7341928850:AAGx4Lk9Tq'])).toEqual([]);
    expect(falseRedactions(input, output, sources, [])).toEqual(['/c.md: labelled-key']);
  });
});
