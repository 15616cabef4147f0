import { safeName } from '../util/display.js';
import { InvalidInput } from '../util/errors.js';
import { maxPathBytes, maxPathSegments, maxSegmentBytes } from './limits.js';

/** Why `path` is not a valid memory path (SPEC §1), or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'is empty';
  if (!path.startsWith('/')) return 'does not start with "/"';
  if (path.includes('\0')) return 'contains a NUL character';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (path.normalize('NFC') !== path) return 'is not Unicode NFC';
  if (Buffer.byteLength(path, 'utf8') > maxPathBytes) return `is longer than ${maxPathBytes} bytes`;
  const segments = path.slice(1).split('/');
  if (segments.length > maxPathSegments) return `has more than ${maxPathSegments} segments`;
  for (const s of segments) {
    if (s === '') return 'has an empty segment';
    // a file or folder name longer than this cannot be created on common file systems (ext4, APFS, NTFS)
    if (Buffer.byteLength(s, 'utf8') > maxSegmentBytes) return `has a segment longer than ${maxSegmentBytes} bytes`;
    if (s === '.' || s === '..') return `has a "${s}" segment`;
    if (s.includes('\\')) return 'contains a backslash';
  }
  if (/%2e|%2f|%5c|%00/i.test(path)) return 'contains a percent-encoded dot, slash, backslash or NUL';
  return undefined;
}

/** Throws InvalidInput naming the path and where it came from, e.g. (sessions/a/s1.jsonl line 14). */
export function assertPath(path: string, where?: string): void {
  const problem = pathProblem(path);
  if (problem) throw new InvalidInput(`memory path "${safeName(path, 300)}" ${problem}${where ? ` (${where})` : ''}`);
}

/** The first pair where one path is a folder of the other (`/a` beside `/a/b`), if any. */
export function prefixConflict(paths: Iterable<string>): [string, string] | undefined {
  const sorted = [...paths].sort();
  const set = new Set(sorted);
  for (const p of sorted) {
    const segments = p.split('/');
    for (let i = 2; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (set.has(dir)) return [dir, p];
    }
  }
  return undefined;
}

export const isArchivePath = (path: string): boolean => path.startsWith('/archive/');
