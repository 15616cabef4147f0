import { describe, expect, it } from 'vitest';
import { namesIn } from '../../../src/sessions/errorNames.js';

describe('the names an output speaks of, by shape', () => {
  it('takes quoted words, qualified names, file names, identifiers written as code and error codes', () => {
    const names = namesIn(
      [
        "lib/report.ts(12,3): error TS2614: Module '\"calendar-kit\"' has no exported member 'isoWeekStart'.",
        '! Failed to build Crypt::Argon2, see /root/.cpanm/work/build.log: argon2/core.h: No such file',
        '\u001b[31mStoreError\u001b[39m: BILLING_API_TOKEN is unset (code E0419)',
      ].join('\n'),
    );
    expect(names).toEqual(
      expect.arrayContaining(['isoWeekStart', 'Crypt::Argon2', 'TS2614', 'StoreError', 'BILLING_API_TOKEN', 'E0419']),
    );
    // a file named bare is a place: only a quoted one is a thing the message is about
    expect(names).not.toContain('core.h');
    expect(namesIn('cannot open "argon2/core.h"')).toEqual(['argon2/core.h']);
  });

  it('leaves out numbers, versions, times and plain words', () => {
    const names = namesIn('built 14 files in 2.31s at 10:04:11, version v4.2.0 — all good "ok" done');
    expect(names).toEqual([]);
  });
});
