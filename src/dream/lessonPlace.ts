/**
 * Where a generated file (lessons, workflows) goes so that the store's agent reads it, found by the store's
 * own structure: when the store has an index (a markdown file linking to most markdown files of its folder,
 * as Claude Code's MEMORY.md or a memory bank's index do), the file goes in that folder, carries the front
 * matter fields the folder's files share, and the index links it in the shape of its own link lines.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isArchivePath } from '../memory/paths.js';

export interface GeneratedPlace {
  path: string;
  /** The file's opening: front matter in the store's fields (when its files have them), then a heading and a line. */
  header: string;
  /** The index that should link the file, and the line that links it (absent when it already does). */
  index?: { path: string; line: string };
}

const links = /\]\(\s*<?([^)\s>]+)>?[^)]*\)/g;
const isMarkdown = (p: string) => p.endsWith('.md') && !isArchivePath(p);

/** The markdown file that links to the most files of its own folder, when it links to at least half of them (and two). */
function findIndex(files: ReadonlyMap<string, string>): { path: string; folder: string } | undefined {
  let best: { path: string; folder: string; linked: number } | undefined;
  for (const [path, text] of files) {
    if (!isMarkdown(path)) continue;
    const folder = posix.dirname(path);
    const siblings = [...files.keys()].filter((p) => p !== path && isMarkdown(p) && posix.dirname(p) === folder);
    const targets = new Set(
      [...text.matchAll(links)].map((m) => posix.normalize(posix.join(folder, m[1]!.replace(/#.*$/, '')))),
    );
    const linked = siblings.filter((s) => targets.has(s)).length;
    if (linked >= 2 && linked >= siblings.length / 2 && linked > (best?.linked ?? 0)) best = { path, folder, linked };
  }
  return best && { path: best.path, folder: best.folder };
}

/** The front matter of a markdown file as a record of strings, or undefined. */
function frontMatter(text: string): Record<string, string> | undefined {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!m) return undefined;
  try {
    const doc = parseYaml(m[1]!) as unknown;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return undefined;
  }
}

/**
 * Front matter in the fields most of the folder's files share: a field whose values repeat across files (a
 * kind, a type) takes its most common value; a field each file fills in with its own value takes the title
 * (the field with the shortest values) or the description.
 */
function sharedFrontMatter(docs: readonly Record<string, string>[], title: string, description: string): string {
  const keys = new Map<string, string[]>();
  for (const d of docs) for (const [k, v] of Object.entries(d)) keys.set(k, [...(keys.get(k) ?? []), v]);
  const common = [...keys].filter(([, vs]) => vs.length >= docs.length / 2);
  const own = common
    .filter(([, vs]) => new Set(vs).size === vs.length)
    .sort(([, a], [, b]) => a.join('').length / a.length - b.join('').length / b.length)
    .map(([k]) => k);
  const lines = common.map(([k, vs]) => {
    if (own.includes(k)) return `${k}: ${JSON.stringify(k === own[0] ? title : description)}`;
    const counts = new Map<string, number>();
    for (const v of vs) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    return `${k}: ${/^[\w.-]+$/.test(top) ? top : JSON.stringify(top)}`;
  });
  return `---\n${lines.join('\n')}\n---\n\n`;
}

/** A line of the index linking `name`, in the shape of the index's last link line (its prefix, separator, description). */
function indexLine(index: string, name: string, title: string, description: string): string {
  const shaped = index
    .split('\n')
    .reverse()
    .map((l) => /^(\s*(?:[-*+]\s+|\d+[.)]\s+)?)\[[^\]]*\]\([^)]*\)(\s*(?:[—–:-]|--)\s*)?\S?/.exec(l))
    .find((m) => m !== null);
  const prefix = shaped?.[1] ?? '- ';
  const separator = shaped?.[2];
  return `${prefix}[${title}](${name})${separator ? `${separator}${description}` : ''}`;
}

/**
 * Where the generated file `name` (`recurring-mistakes.md`) goes: where it already is, else in the folder of
 * the store's index with the store's front matter and a line in the index, else at `fallback`.
 */
export function generatedPlace(
  files: ReadonlyMap<string, string>,
  name: string,
  fallback: string,
  title: string,
  description: string,
): GeneratedPlace {
  const plain = `# ${title}\n\n${description}\n`;
  const index = findIndex(files);
  const existing = [...files.keys()].find((p) => p === fallback || (index && p === posix.join(index.folder, name)));
  if (!index) return { path: existing ?? fallback, header: plain };
  const path = existing ?? posix.join(index.folder, name);
  const docs = [...files]
    .filter(([p]) => p !== index.path && isMarkdown(p) && posix.dirname(p) === index.folder)
    .flatMap(([, t]) => {
      const fm = frontMatter(t);
      return fm ? [fm] : [];
    });
  const siblings = [...files.keys()].filter(
    (p) => p !== index.path && isMarkdown(p) && posix.dirname(p) === index.folder,
  );
  const header =
    docs.length >= 2 && docs.length >= siblings.length / 2
      ? `${sharedFrontMatter(docs, title, description)}${plain}`
      : plain;
  const text = files.get(index.path)!;
  const relative = posix.relative(index.folder, path);
  const linked = [...text.matchAll(links)].some((m) => posix.normalize(m[1]!.replace(/^\.\//, '')) === relative);
  return {
    path,
    header,
    ...(linked ? {} : { index: { path: index.path, line: indexLine(text, relative, title, description) } }),
  };
}
