import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExpect } from '../../../bench/realworldExpect.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { tempDir } from '../../support/sessions.js';

async function file(content: string): Promise<string> {
  const f = join(await tempDir('dg-expect-'), 'expect.json');
  await writeFile(f, content);
  return f;
}

describe('expect.json', () => {
  it('needs only the agent; every list defaults to empty', async () => {
    const e = await readExpect(await file('{"agent": "a1"}'));
    expect(e).toMatchObject({ agent: 'a1', injections: [], benign: [], secrets: [], updates: [], must_stay: [] });
    expect(e.lesson).toBeUndefined();
  });

  it('a bad file is invalid input that names the file and the field at fault', async () => {
    const bad = await file(
      JSON.stringify({
        agent: 'a1',
        updates: [{ subject: 's', session: 'x', old: 'o', new: 'n', old_path: 'a.md', new_path: '/b.md' }],
      }),
    );
    await expect(readExpect(bad)).rejects.toThrow(InvalidInput);
    await expect(readExpect(bad)).rejects.toThrow(`${bad}: updates[0].old_path: a store path starts with "/"`);
    const notJson = await file('{agent:');
    await expect(readExpect(notJson)).rejects.toThrow(
      new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not JSON`),
    );
    const unknown = await file('{"agent": "a1", "injection": []}');
    await expect(readExpect(unknown)).rejects.toThrow(/injection/);
    const lesson = await file('{"agent": "a1", "lesson": {"sessions": ["s1", "s2"], "must_name": ["E403"]}}');
    await expect(readExpect(lesson)).rejects.toThrow(/lesson\.sessions/);
  });

  it('a session is not both benign and injected', async () => {
    const both = await file(
      JSON.stringify({ agent: 'a1', benign: ['s1'], injections: [{ session: 's1', marker: 'm' }] }),
    );
    await expect(readExpect(both)).rejects.toThrow('benign[0]: s1 also carries an injection');
  });
});
