import { createHash } from 'node:crypto';
import { InvalidInput } from '../util/errors.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { assertPath, prefixConflict } from './paths.js';

export const sha256 = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

/**
 * A memory store: path → UTF-8 content. Immutable; every constructor checks the rules of SPEC §1, so code
 * holding a MemoryStore can trust its paths and sizes.
 */
export class MemoryStore {
  readonly files: ReadonlyMap<string, string>;
  #hashes = new Map<string, string>();
  #hash: string | undefined;

  private constructor(files: Map<string, string>) {
    this.files = files;
  }

  static from(
    entries: Iterable<[string, string]> | Record<string, string>,
    limits: StoreLimits = defaultLimits,
    where?: string,
  ): MemoryStore {
    const map = new Map<string, string>(
      Symbol.iterator in entries ? (entries as Iterable<[string, string]>) : Object.entries(entries),
    );
    validateFiles(map, limits, where);
    return new MemoryStore(new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  static empty(): MemoryStore {
    return new MemoryStore(new Map());
  }

  get size(): number {
    return this.files.size;
  }

  get bytes(): number {
    let n = 0;
    for (const c of this.files.values()) n += Buffer.byteLength(c, 'utf8');
    return n;
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  get(path: string): string | undefined {
    return this.files.get(path);
  }

  fileHash(path: string): string | undefined {
    const content = this.files.get(path);
    if (content === undefined) return undefined;
    let h = this.#hashes.get(path);
    if (!h) this.#hashes.set(path, (h = sha256(content)));
    return h;
  }

  /** The hash of the whole store: sha256 over each "path NUL sha256(content) LF" in path order. */
  hash(): string {
    if (!this.#hash) {
      const h = createHash('sha256');
      for (const p of this.files.keys()) h.update(`${p}\0${this.fileHash(p)}\n`);
      this.#hash = h.digest('hex');
    }
    return this.#hash;
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.files);
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function validateFiles(files: Map<string, string>, limits: StoreLimits, where?: string): void {
  const at = where ? ` (${where})` : '';
  if (files.size > limits.maxFiles) {
    throw new InvalidInput(`store has ${files.size} files, more than the limit of ${limits.maxFiles}${at}`);
  }
  for (const [path, content] of files) {
    assertPath(path, where);
    if (typeof content !== 'string') throw new InvalidInput(`memory ${path}: content is not text${at}`);
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > limits.maxFileBytes) {
      throw new InvalidInput(`memory ${path} is ${bytes} bytes, more than the limit of ${limits.maxFileBytes}${at}`);
    }
    if (loneSurrogate.test(content)) throw new InvalidInput(`memory ${path} is not valid UTF-8${at}`);
    if (content.includes('\0')) throw new InvalidInput(`memory ${path} is binary (contains a NUL byte), not text${at}`);
  }
  const conflict = prefixConflict(files.keys());
  if (conflict)
    throw new InvalidInput(
      `memory path ${JSON.stringify(conflict[0])} is both a file and the folder of ${JSON.stringify(conflict[1])}${at}`,
    );
}

/** Decodes bytes as UTF-8, refusing invalid sequences instead of replacing them. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidInput(`${what} is not valid UTF-8 text`);
  }
}
