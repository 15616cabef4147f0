import { z } from 'zod';
import { loadYamlFile } from '../util/yamlFile.js';
import { InvalidInput } from '../util/errors.js';

/** An expectation item: a case-insensitive substring, or a regular expression written `/…/flags` (SPEC §3). */
export type Matcher = { source: string; test(text: string): boolean };

const items = z.array(z.string().min(1)).default([]);

const suiteSchema = z
  .object({
    cases: z
      .array(
        z
          .object({
            id: z.string().regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" and "-"'),
            question: z.string().min(1),
            expect: z.object({ all: items, any: items, none: items }).strict(),
            weight: z.number().positive().default(1),
            required: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1, 'a suite needs at least one case'),
  })
  .strict();

export interface SuiteCase {
  id: string;
  question: string;
  expect: { all: Matcher[]; any: Matcher[]; none: Matcher[] };
  weight: number;
  /** A required case that fails makes the whole score 0, whatever else passed (a derived retention case). */
  required?: boolean;
  /** Judged on the store's text whatever the scorer (derived cases: they name exact facts, not questions). */
  onText?: boolean;
}

export interface Suite {
  file: string;
  cases: SuiteCase[];
}

export function matcher(item: string, where: string): Matcher {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(item);
  if (!m) {
    const needle = item.toLowerCase();
    return { source: item, test: (text) => text.toLowerCase().includes(needle) };
  }
  let re: RegExp;
  try {
    re = new RegExp(m[1]!, m[2]!.replace('g', ''));
  } catch (err) {
    throw new InvalidInput(`${where}: bad regular expression ${item}: ${(err as Error).message}`);
  }
  return { source: item, test: (text) => re.test(text) };
}

/** Loads and validates a suite; errors name the file, line and key (or the case and item). */
export async function loadSuite(file: string): Promise<Suite> {
  const raw = await loadYamlFile(file, suiteSchema);
  const ids = new Set<string>();
  const cases = raw.cases.map((c, i) => {
    if (ids.has(c.id)) throw new InvalidInput(`${file}: cases[${i}].id: "${c.id}" is used twice`);
    ids.add(c.id);
    const at = (k: string, j: number) => `${file}: case "${c.id}" expect.${k}[${j}]`;
    return {
      id: c.id,
      question: c.question,
      weight: c.weight,
      ...(c.required ? { required: true } : {}),
      expect: {
        all: c.expect.all.map((x, j) => matcher(x, at('all', j))),
        any: c.expect.any.map((x, j) => matcher(x, at('any', j))),
        none: c.expect.none.map((x, j) => matcher(x, at('none', j))),
      },
    };
  });
  return { file, cases };
}
