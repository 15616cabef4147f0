import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout's root: the nearest folder above this file with dreamgate's package.json (source or dist). */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`dreamgate: no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
})();
