import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { InvalidInput } from './errors.js';

/**
 * Parses and validates a YAML file against a schema. Every error names the file, the line and the key,
 * e.g. `fleet.yml:12: agents[1].mode: expected one of "review" | "automatic" | "hybrid"`.
 */
export async function loadYamlFile<T extends z.ZodType>(file: string, schema: T): Promise<z.output<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseYaml(text, file, schema);
}

export function parseYaml<T extends z.ZodType>(text: string, file: string, schema: T): z.output<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new InvalidInput(`${file}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path as (string | number)[];
    // an unknown key is found on its own line, not on its parent's
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const line = lineOf(doc.contents, keys.length > 0 ? [...path, keys[0]!] : path, lineCounter);
    const key = formatPath(path) || '(top level)';
    return `${file}${line ? `:${line}` : ''}: ${key}: ${issue.message}`;
  });
  throw new InvalidInput(problems.join('\n'));
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** The line of the deepest node that exists along `path` (an unknown key points at its own line). */
function lineOf(root: unknown, path: (string | number)[], lc: LineCounter): number | undefined {
  let node = root as Node | null | undefined;
  let line = node?.range ? lc.linePos(node.range[0]).line : undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      if (keyNode?.range) line = lc.linePos(keyNode.range[0]).line;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | null;
      if (node?.range) line = lc.linePos(node.range[0]).line;
    } else break;
  }
  return line;
}
