import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { safeText } from '../util/display.js';
import type { DerivedCase } from './derive.js';
import { itemRegex } from './matcher.js';

/**
 * The derived cases as a SPEC §3 suite a person can edit: each item a regular expression (one line holding
 * every token of the fact) with a comment naming the file, line and text it came from.
 */
export function derivedSuiteYaml(cases: readonly DerivedCase[], header: string): string {
  const others = cases.filter((c) => c.kind !== 'retention').reduce((n, c) => n + c.weight, 0);
  const doc = new Document({
    cases: cases.map((c) => ({
      id: c.id,
      question: c.question,
      expect: {
        all: c.expect.all.map(itemRegex),
        ...(c.expect.none.length > 0 ? { none: c.expect.none.map(itemRegex) } : {}),
      },
      weight: c.kind === 'retention' ? Math.max(1, others) : c.weight,
      ...(c.kind === 'retention' ? { required: true } : {}),
    })),
  });
  doc.commentBefore = header;
  const seq = doc.get('cases', true) as YAMLSeq;
  seq.items.forEach((node, i) => {
    const c = cases[i]!;
    if (!isMap(node)) return;
    (node as YAMLMap).commentBefore =
      ` ${c.kind}${c.kind === 'retention' ? ': required, a store that lost a fact scores 0' : ''}`;
    const expect = (node as YAMLMap).get('expect', true);
    if (!isMap(expect)) return;
    for (const key of ['all', 'none'] as const) {
      const items = expect.get(key, true);
      if (!isSeq(items)) continue;
      const source = c.expect[key];
      items.items.forEach((item, j) => {
        const d = source[j]!;
        (item as { commentBefore?: string }).commentBefore =
          ` ${safeText(d.from)} ${safeText(JSON.stringify(d.text.length > 100 ? `${d.text.slice(0, 99)}…` : d.text))}`;
      });
    }
  });
  return doc.toString({ lineWidth: 0 });
}
