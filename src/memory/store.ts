import { createHash } from 'node:crypto';
import { InvalidInput } from '../util/errors.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { assertPath, prefixConflict } from './paths.js';

export const sha256 = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

/** A skipped file is still held in memory to be snapshotted: beyond this it is refused as input. */
export const maxOpaqueBytes = 64 * 1024 * 1024;

/** A file of a local or S3 store that a dream cannot take as memory: kept byte for byte, never written by a dream. */
export interface OpaqueFile {
  bytes: Uint8Array;
  /** Why it is not memory: "not UTF-8 text", "204800 bytes, over the 102400-byte limit". */
  reason: string;
}

const byPath = <T>(entries: Iterable<[string, T]>) =>
  new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A memory store: path → UTF-8 content, plus the files a dream cannot take (`skipped`), carried as opaque
 * bytes so that snapshots, restores and rollbacks keep them too. Immutable; every constructor checks the
 * rules of SPEC §1, so code holding a MemoryStore can trust its paths and sizes.
 */
export class MemoryStore {
  readonly files: ReadonlyMap<string, string>;
  readonly skipped: ReadonlyMap<string, OpaqueFile>;
  /** The limits it was checked against: a change set applied to it is checked against them too. */
  readonly limits: StoreLimits;
  #hashes = new Map<string, string>();
  #hash: string | undefined;

  private constructor(
    files: Map<string, string>,
    skipped: Map<string, OpaqueFile> = new Map(),
    limits: StoreLimits = defaultLimits,
  ) {
    this.files = files;
    this.skipped = skipped;
    this.limits = limits;
  }

  static from(
    entries: Iterable<[string, string]> | Record<string, string>,
    limits: StoreLimits = defaultLimits,
    where?: string,
    skipped: Iterable<[string, OpaqueFile]> = [],
  ): MemoryStore {
    const map = new Map<string, string>(
      Symbol.iterator in entries ? (entries as Iterable<[string, string]>) : Object.entries(entries),
    );
    const opaque = byPath(skipped);
    validateFiles(map, limits, where, opaque);
    return new MemoryStore(byPath(map), opaque, limits);
  }

  static empty(): MemoryStore {
    return new MemoryStore(new Map());
  }

  /** The same memory with other opaque files (those of the store it was dreamed from). */
  withSkipped(skipped: ReadonlyMap<string, OpaqueFile>, limits: StoreLimits = this.limits): MemoryStore {
    return MemoryStore.from(this.files, limits, undefined, skipped);
  }

  get size(): number {
    return this.files.size;
  }

  get bytes(): number {
    let n = 0;
    for (const c of this.files.values()) n += Buffer.byteLength(c, 'utf8');
    return n;
  }

  /** Paths of the memory files (not the skipped ones). */
  paths(): string[] {
    return [...this.files.keys()];
  }

  get(path: string): string | undefined {
    return this.files.get(path);
  }

  /** The sha256 of a file's bytes, memory or skipped. */
  fileHash(path: string): string | undefined {
    let h = this.#hashes.get(path);
    if (h) return h;
    const content = this.files.get(path) ?? this.skipped.get(path)?.bytes;
    if (content === undefined) return undefined;
    this.#hashes.set(path, (h = sha256(content)));
    return h;
  }

  /** The hash of the whole store: sha256 over each "path NUL sha256(bytes) LF" in path order, skipped files included. */
  hash(): string {
    if (!this.#hash) {
      const h = createHash('sha256');
      for (const p of [...this.files.keys(), ...this.skipped.keys()].sort()) h.update(`${p}\0${this.fileHash(p)}\n`);
      this.#hash = h.digest('hex');
    }
    return this.#hash;
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.files);
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function validateFiles(
  files: Map<string, string>,
  limits: StoreLimits,
  where: string | undefined,
  skipped: ReadonlyMap<string, OpaqueFile>,
): void {
  const at = where ? ` (${where})` : '';
  if (files.size + skipped.size > limits.maxFiles) {
    throw new InvalidInput(
      `store has ${files.size + skipped.size} files, more than the limit of ${limits.maxFiles}${at}`,
    );
  }
  for (const path of skipped.keys()) {
    assertPath(path, where);
    if (files.has(path)) throw new InvalidInput(`memory ${path} is both a memory and a skipped file${at}`);
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
  const conflict = prefixConflict([...files.keys(), ...skipped.keys()]);
  if (conflict)
    throw new InvalidInput(
      `memory path ${JSON.stringify(conflict[0])} is both a file and the folder of ${JSON.stringify(conflict[1])}${at}`,
    );
}

/** Why a file's bytes are not memory a dream can take (too large, not UTF-8 text), or undefined when they are. */
export function opaqueReason(bytes: Uint8Array, limits: StoreLimits = defaultLimits): string | undefined {
  if (bytes.length > limits.maxFileBytes) return `${bytes.length} bytes, over the ${limits.maxFileBytes}-byte limit`;
  if (bytes.includes(0)) return 'binary (contains a NUL byte), not UTF-8 text';
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return 'not UTF-8 text';
  }
  return undefined;
}

/** Decodes bytes as UTF-8, refusing invalid sequences instead of replacing them. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidInput(`${what} is not valid UTF-8 text`);
  }
}
