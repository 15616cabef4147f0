import { describe, expect, it } from 'vitest';
import { errorExcerpt, errorHeadline, errorLines, errorSignature, headlineOf } from '../../../src/sessions/errors.js';

const tarball = (version: string, size: string) =>
  [
    `npm notice 📦  @acme/widgets@${version}`,
    'npm notice Tarball Contents',
    `npm notice ${size} package.json`,
    'npm notice 12.1kB dist/index.js',
    'npm notice Tarball Details',
    `npm notice total files: ${Math.round(Number(size.replace(/\D/g, '')) / 100)}`,
    ...Array.from({ length: 30 }, (_, i) => `npm notice ${i}.0kB dist/chunk-${i}.js`),
    'npm ERR! code E403',
    `npm ERR! 403 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fwidgets - You cannot publish over the previously published versions: ${version}.`,
    '',
    `npm ERR! A complete log of this run can be found in: /home/u${size}/.npm/_logs/2026-11-0${version.at(-1)}T10_00_00_000Z-debug-0.log`,
  ].join('\n');

describe('errors by structure, however the output is framed', () => {
  it('finds an error printed after a long summary, and names it by its code and message', () => {
    const out = tarball('1.4.2', '1.2kB');
    expect(errorLines(out)[0]).toBe('npm ERR! code E403');
    expect(errorHeadline(out)).toMatch(/^code E403 — 403 403 Forbidden .*You cannot publish over the previously/);
    // a digest keeps the error even though the output's start is 30 lines of summary
    expect(errorExcerpt(out)).toMatch(/E403/);
  });

  it('gives the same signature to the same error in three sessions (versions, paths, timestamps aside)', () => {
    const a = errorSignature(tarball('1.4.2', '1.2kB'));
    expect(errorSignature(tarball('1.4.3', '1.3kB'))).toBe(a);
    expect(errorSignature(`\u001b[31m${tarball('2.0.0', '9.9kB')}\u001b[0m`)).toBe(a);
    // another code is another error
    expect(errorSignature(tarball('1.4.2', '1.2kB').replace(/E403/g, 'E404'))).not.toBe(a);
  });

  it('takes the error line of a push rejected after a commit summary, not the first line printed', () => {
    const out = [
      '[main 1a2b3c4] feat: add the export button',
      ' 2 files changed, 10 insertions(+), 1 deletion(-)',
      'To github.com:acme/app.git',
      ' ! [rejected]        main -> main (fetch first)',
      "error: failed to push some refs to 'github.com:acme/app.git'",
      'hint: Updates were rejected because the remote contains work that you do not have locally.',
    ].join('\n');
    expect(errorHeadline(out)).toMatch(/failed to push some refs/);
    expect(errorHeadline(out)).not.toMatch(/feat: add the export button/);
  });

  it('takes an exception head, not a stack frame or a banner position', () => {
    const py =
      'Traceback (most recent call last):\n  File "/app/x.py", line 3, in <module>\n    main()\nValueError: invalid literal for int() with base 10: \'abc\'';
    expect(errorHeadline(py)).toMatch(/ValueError: invalid literal/);
    const js =
      "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (/srv/app/index.js:12:7)\n    at main (/srv/app/index.js:40:3)";
    expect(errorHeadline(js)).toMatch(/^TypeError: Cannot read properties/);
    const ps = [
      'Windows PowerShell',
      "Get-Foo : The term 'Get-Foo' is not recognized as the name of a cmdlet, function, script file, or operable program.",
      'At line:1 char:12',
      '+ Get-Foo -Bar',
      '+ ~~~~~~~',
      '    + CategoryInfo          : ObjectNotFound: (Get-Foo:String) [], CommandNotFoundException',
      '    + FullyQualifiedErrorId : CommandNotFoundException',
    ].join('\n');
    expect(errorHeadline(ps)).not.toMatch(/^At line/);
  });

  it('falls back to the last line that is not a bare exit status', () => {
    expect(errorHeadline('compiling…\nsegmentation fault (core dumped)\nExit code 139')).toBe(
      'segmentation fault (core dumped)',
    );
  });

  it('strips colours and overwritten progress lines', () => {
    expect(errorLines('\u001b[1m\u001b[31mERROR\u001b[0m: disk full\r')).toEqual(['ERROR: disk full']);
    expect(errorLines('50%\r100%\rfatal: not a git repository')).toEqual(['fatal: not a git repository']);
  });

  it('takes the line after a stack trace, not a labelled warning printed before it', () => {
    const out = [
      'WARN config: eu symbols use EUR quote',
      '{"level":"info","msg":"page 1"}',
      'Traceback (most recent call last):',
      '  File "/app/sync.py", line 74, in run',
      '    raise exact[string](message)',
      'vendor.errors.QuotaExhausted: api {"code":-2041,"msg":"slow down"}',
    ].join('\n');
    expect(errorLines(out)).toEqual(['vendor.errors.QuotaExhausted: api {"code":-2041,"msg":"slow down"}']);
    // and so does the excerpt a digest keeps (the frames gone, the warning still before it)
    expect(errorLines(errorExcerpt(out))).toEqual(errorLines(out));
  });

  describe('in other shapes: structured logs, PowerShell, cmd, other languages', () => {
    // each shape three times, as three sessions would print it: other ids, paths, times and sizes
    const shapes: Record<string, { out: (i: number) => string; names: RegExp }> = {
      'a JSON log (level names)': {
        out: (i) =>
          [
            `{"level":"info","time":"2026-12-0${i}T10:00:0${i}Z","msg":"starting worker ${i}"}`,
            `{"level":"error","time":"2026-12-0${i}T10:00:0${i}Z","msg":"connect ECONNREFUSED 127.0.0.1:${5430 + i}","pid":${100 + i}}`,
            '{"level":"info","msg":"shutting down"}',
          ].join('\n'),
        names: /ECONNREFUSED/,
      },
      'a JSON log (numeric levels)': {
        out: (i) =>
          `{"level":30,"msg":"listening"}\n{"level":50,"msg":"Schema check failed for /srv/app${i}/config.yml","err":{"type":"SchemaMismatch"}}`,
        names: /Schema check failed.*SchemaMismatch/,
      },
      'PowerShell after its banner': {
        out: (i) =>
          [
            'Windows PowerShell',
            'Copyright (C) Microsoft Corporation.',
            `Remove-Item : Cannot find path 'C:\\Users\\dev${i}\\build' because it does not exist.`,
            `At line:1 char:${i + 1}`,
            `+ Remove-Item C:\\Users\\dev${i}\\build -Recurse`,
            '+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
            `    + CategoryInfo          : ObjectNotFound: (C:\\Users\\dev${i}\\build:String) [Remove-Item], ItemNotFoundException`,
          ].join('\n'),
        names: /^Remove-Item : Cannot find path/,
      },
      'cmd, a message wrapped over two lines': {
        out: (i) =>
          `Microsoft Windows [Version 10.0.2262${i}]\n'gradlew' is not recognized as an internal or external command,\noperable program or batch file.`,
        names: /'gradlew' is not recognized.*operable program/,
      },
      'Russian, a summary line after the error': {
        out: (i) => `Сборка проекта...\nошибка: не удалось открыть файл /tmp/build${i}/out.o\nсборка прервана`,
        names: /^ошибка: не удалось открыть файл/,
      },
      'a Java exception after a build banner': {
        out: (i) =>
          `[INFO] Building app 1.${i}.0\nException in thread "main" java.lang.IllegalStateException: pool exhausted after ${i * 10} ms\n\tat com.acme.Pool.get(Pool.java:${40 + i})`,
        names: /IllegalStateException: pool exhausted/,
      },
    };
    for (const [name, { out, names }] of Object.entries(shapes))
      it(`recognises ${name} as one error and names it`, () => {
        expect(new Set([1, 2, 3].map((i) => errorSignature(out(i)))).size).toBe(1);
        // a digest keeps an excerpt: read again, it gives the same error
        expect(errorSignature(errorExcerpt(out(1)))).toBe(errorSignature(out(1)));
        expect(errorHeadline(out(1))).toMatch(names);
      });
  });

  describe('the line that carries the error, whatever the tool printed around it', () => {
    it('takes the exception after a traceback, not a warning block before it that names a setting', () => {
      const out = [
        'System check identified some issues:',
        'WARNINGS:',
        "?: (assets.W010) The folder '/srv/shop/assets' in the ASSET_DIRS setting does not exist.",
        'Applying migrations:',
        'Traceback (most recent call last):',
        '  File "/srv/shop/run.py", line 9, in <module>',
        '    main()',
        '  File "/srv/shop/.venv/lib/loader.py", line 88, in check',
        '    raise HistoryMismatch(',
        'shop.db.errors.HistoryMismatch: step billing.0007 ran before its dependency ledger.0002.',
      ].join('\n');
      expect(errorLines(out)).toEqual([
        'shop.db.errors.HistoryMismatch: step billing.0007 ran before its dependency ledger.0002.',
      ]);
    });

    it('takes an indented message beside its code frame, not the tally of failed and passed', () => {
      const out = [
        ' PASS  src/a.test.ts',
        ' FAIL  src/b.test.ts',
        '  ● Store › saves a visit without notes',
        '',
        '    StoreError: write() called with invalid data. Unsupported value: undefined (in field notes)',
        '',
        '      12 |     await save(ref, {',
        '    > 13 |       notes: input.notes,',
        '         |       ^',
        '',
        'Test Suites: 1 failed, 2 passed, 3 total',
        'Tests:       1 failed, 27 passed, 28 total',
      ].join('\n');
      expect(errorHeadline(out)).toMatch(/^StoreError: write\(\) called with invalid data/);
    });

    it('takes the last detail of an unmarked error, however deep it is indented', () => {
      const out = [
        'Installing from lock file',
        'Your lock file does not contain a compatible set of packages.',
        '  Problem 1',
        '    - acme/router 2.0.2 requires php >=8.1 -> your php version (7.4.33) does not satisfy that requirement.',
      ].join('\n');
      expect(errorHeadline(out)).toMatch(/your php version \(7\.4\.33\) does not satisfy/);
    });

    it('keeps the line that goes on with an exception message, and drops a summary that repeats it', () => {
      const out = [
        '----- Captured stderr call -----',
        'Exception: Could not load table with version 4 (expected 3).',
        'Generator version 2.1 does not match the current runtime version 2.0',
        '===== short test summary info =====',
        'FAILED tests/test_x.py::test_y - Exception: Could not load table with version 4 (expected 3).',
        '1 failed, 12 passed in 2.31s',
      ].join('\n');
      expect(errorHeadline(out)).toBe(
        'Exception: Could not load table with version 4 (expected 3). Generator version 2.1 does not match the current runtime version 2.0',
      );
    });

    it('names a code printed below an error mark, and reads lines under a container column', () => {
      const out = [
        'WARN[0000] compose.yaml: the attribute `version` is obsolete',
        'web-1  | ready in 412 ms',
        'web-1  | ✘ [ERROR] A request to the API (/accounts/5be7d1/projects) failed.',
        'web-1  | ',
        'web-1  |   Project missing. The name matches none of your projects. [code: 7001234]',
      ].join('\n');
      expect(errorLines(out)).toContain('Project missing. The name matches none of your projects. [code: 7001234]');
      expect(errorHeadline(out)).toMatch(/^Project missing\. .*\[code: 7001234\]/);
    });
  });
});

describe('a headline names the error, not a link to its help', () => {
  it('skips a name that is part of an address and keeps the line that says what went wrong', () => {
    const lines = [
      '[ERROR] Failed to execute goal com.example:schema-plugin:4.2.0:check on project api: com.example.SchemaCheckException: Check failed',
      '[ERROR] Column type drift in table orders',
      '[ERROR] -> [Help 1] http://docs.example.org/display/BUILD/MojoExecutionException',
    ];
    const headline = headlineOf(lines);
    expect(headline).toContain('Column type drift');
    expect(headline).not.toContain('Help 1');
  });

  it('reads the line a heading at error level announces, and a named message under a step location', () => {
    const bundled = [
      'bundling for production...',
      '[bundler]: failed to resolve an import',
      'error while bundling:',
      'lib/DayCell.tsx (3:9): "isoWeekStart" is not exported by "node_modules/calendar-kit/dist/index.mjs".',
    ].join('\n');
    expect(errorLines(bundled).join('\n')).toContain('"isoWeekStart" is not exported');
    const steps = [
      'Failures:',
      '',
      '1) Scenario: Export the weekly report # features/report.feature:4',
      '   ✔ Before # support/hooks.ts:8',
      '   ✖ Given I open the report page # steps/report.steps.ts:12',
      '       page.goto: net::ERR_NAME_NOT_RESOLVED at https://reports.internal.test/week',
      '   - Then I download the PDF # steps/report.steps.ts:20',
      '',
      '1 scenario (1 failed)',
    ].join('\n');
    expect(errorHeadline(steps)).toContain('ERR_NAME_NOT_RESOLVED');
  });

  it('names the error as printed: a field under its message, a bracketed detail, a deepest cause said last', () => {
    const settings = [
      'Traceback (most recent call last):',
      '  File "/srv/app/main.py", line 4, in <module>',
      '    settings = Settings()',
      'pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings',
      'LEDGER_SIGNING_KEY',
      "  Field required [type=missing, input_value={'API_BASE': 'https://…'}, input_type=dict]",
    ].join('\n');
    const headline = errorHeadline(settings);
    expect(headline).toMatch(/^ValidationError: 1 validation error for Settings LEDGER_SIGNING_KEY Field required/);
    expect(headline).not.toMatch(/^API_BASE/);
    const chained = [
      '[INFO] BUILD FAILURE',
      `[ERROR] Could not resolve dependencies for project org.example:ledger:jar:2.4.0: ${'Failed to collect dependencies at org.example:ledger-core:jar:2.4.0 -> '.repeat(3)}org.example:ledger-api:jar:2.4.0: Unknown host mirror.internal.test: Temporary failure in name resolution`,
    ].join('\n');
    const said = errorHeadline(chained);
    expect(said).not.toMatch(/FAILURE/);
    expect(said).toMatch(
      /^\[ERROR\] Could not resolve dependencies .* … .*Unknown host mirror\.internal\.test: Temporary failure in name resolution$/,
    );
    expect(said.length).toBeLessThanOrEqual(240);
  });
});
