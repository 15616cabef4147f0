import { createReadStream } from 'node:fs';
import { InvalidInput } from './errors.js';

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
