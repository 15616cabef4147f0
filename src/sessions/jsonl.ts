import { createReadStream } from 'node:fs';
import { InvalidInput } from '../util/errors.js';

export const maxLineBytes = 8 * 1024 * 1024;

/**
 * Yields the lines of a file one at a time (the file is never held whole), refusing a line longer than
 * `maxLine` bytes or one that is not valid UTF-8, with the file and line number.
 */
export async function* readLines(file: string, maxLine = maxLineBytes): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let line = 0;
  const emit = (buf: Buffer) => {
    line++;
    try {
      return { line, text: decoder.decode(buf) };
    } catch {
      throw new InvalidInput(`${file}:${line}: not valid UTF-8`);
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      partBytes += piece.length;
      if (partBytes > maxLine) throw new InvalidInput(`${file}:${line + 1}: line longer than ${maxLine} bytes`);
      parts.push(piece);
      if (nl === -1) break;
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      parts = [];
      partBytes = 0;
      yield emit(buf);
      start = nl + 1;
    }
  }
  if (partBytes > 0) yield emit(Buffer.concat(parts));
}

/** How deep a session event may nest (objects and arrays): real events stay far below; 5,000 levels would overflow the stack of whatever walks them. */
export const maxNesting = 100;

/**
 * The depth of the deepest object or array in a JSON text, in one pass that skips strings, stopping as
 * soon as it passes `limit`.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}

/**
 * One line of a JSONL file as a value. The error names the file, the line and where in the line, never the
 * text itself (a session line may hold a secret).
 */
export function parseJsonLine(text: string, where: string): unknown {
  if (jsonDepth(text, maxNesting) > maxNesting)
    throw new InvalidInput(`${where}: nested deeper than ${maxNesting} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new InvalidInput(`${where}: not JSON${at ? ` (at character ${Number(at) + 1})` : ''}`);
  }
}
