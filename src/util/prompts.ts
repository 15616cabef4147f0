import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

const cache = new Map<string, string>();

/** A prompt from prompts/<name>.md: prompts are reviewable files beside the code, not string literals. */
export function loadPrompt(name: 'dream' | 'summarize' | 'evaluate'): string {
  let text = cache.get(name);
  if (text === undefined) cache.set(name, (text = readFileSync(join(projectRoot, 'prompts', `${name}.md`), 'utf8')));
  return text;
}
