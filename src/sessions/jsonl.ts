import { InvalidInput } from '../util/errors.js';

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
