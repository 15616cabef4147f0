import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineIndex, StoreLines } from '../../../src/dream/harm.js';

/** Where a line is, asked once per suggestion: the same answer as indexing the whole store again each time. */
describe('StoreLines', () => {
  const line = fc.constantFrom('- a: 1', '- **b**: 2', '- c: 3', '', '# H', '- a:  1');
  const file = fc.array(line, { maxLength: 5 }).map((ls) => ls.join('\n'));
  const paths = fc.constantFrom('/x.md', '/y.md', '/z.md', '/new.md');

  it('answers as lineIndex of the store with the files replaced', () => {
    fc.assert(
      fc.property(
        fc.dictionary(paths, file),
        fc.dictionary(paths, file),
        fc.array(line, { maxLength: 8 }),
        (store, replaced, asked) => {
          const files = new Map(Object.entries(store));
          const swap = new Map(Object.entries(replaced));
          const whole = lineIndex([...files].map(([p, c]) => swap.get(p) ?? c).concat([...swap.values()]));
          const fast = new StoreLines(files).with(swap);
          for (const l of [...asked, ...whole].map((x) => lineIndex([x]).values().next().value!))
            expect(fast.has(l)).toBe(whole.has(l));
        },
      ),
    );
  });

  it('a line only a replaced file held is gone; one another file also holds stays', () => {
    const lines = new StoreLines(
      new Map([
        ['/a.md', '- port: 80\n- host: x'],
        ['/b.md', '- host: x'],
      ]),
    );
    const after = lines.with(new Map([['/a.md', '- port: 8080']]));
    const [port80, host, port8080] = ['- port: 80', '- host: x', '- port: 8080'].map(
      (l) => lineIndex([l]).values().next().value!,
    );
    expect([after.has(port80!), after.has(host!), after.has(port8080!)]).toEqual([false, true, true]);
  });
});
