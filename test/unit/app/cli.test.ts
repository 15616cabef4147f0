import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/util/paths.js';
import { buildProgram } from '../../../app/cli.js';
import { runProgram } from '../../../app/output.js';

/** Every command of the program, by its path (`dreamgate stack up`), parents before children. */
function commandsOf(cmd: Command, path: string[] = []): [string[], Command][] {
  const here: [string[], Command][] = [[path, cmd]];
  return here.concat(cmd.commands.flatMap((sub) => commandsOf(sub, [...path, sub.name()])));
}

/** The program with every command's output captured, at a fixed width and without colours. */
function captured(): { program: Command; out: string[]; err: string[] } {
  const program = buildProgram();
  const out: string[] = [];
  const err: string[] = [];
  for (const [, cmd] of commandsOf(program))
    cmd.configureOutput({
      writeOut: (s) => out.push(s),
      writeErr: (s) => err.push(s),
      outputError: (s, write) => write(s),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  return { program, out, err };
}

describe('dreamgate --help', () => {
  it('every command prints its help and exits 0', async () => {
    const paths = commandsOf(buildProgram()).map(([path]) => path);
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) {
      const { program, out } = captured();
      const code = await runProgram(program, ['node', 'dreamgate', ...path, '--help']);
      expect(code, path.join(' ')).toBe(0);
      expect(out.join(''), path.join(' ')).toContain(`Usage: dreamgate${path.map((p) => ` ${p}`).join('')}`);
    }
  });

  it('starts light: the worker SDK and OpenTelemetry load only in the commands that run a worker', () => {
    // the built program (`npm test` builds first), as `dreamgate --help` loads it: which packages are loaded
    const heavy = ['@temporalio/worker/', '@opentelemetry/sdk-trace-base/', '@opentelemetry/exporter-trace-otlp-http/'];
    const probe = `require(${JSON.stringify(join(projectRoot, 'dist', 'app', 'cli.js'))}).buildProgram();
      const loaded = Object.keys(require.cache);
      process.stdout.write(JSON.stringify(${JSON.stringify(heavy)}.filter((p) => loaded.some((m) => m.includes('/node_modules/' + p)))));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', probe]).toString())).toEqual([]);
  });

  it('prints the same help, flags and descriptions as recorded', () => {
    const { program } = captured();
    const help = Object.fromEntries(
      commandsOf(program).map(([path, cmd]) => [['dreamgate', ...path].join(' '), cmd.helpInformation()]),
    );
    expect(help).toMatchSnapshot();
  });

  it('a usage error exits 2 and names the flag or argument at fault', async () => {
    for (const [args, named] of [
      [['approve', 'agent-a'], "missing required argument 'change-set-id'"],
      [['reject', 'agent-a', '12345678'], "required option '--reason <text>' not specified"],
      [['run', 'agent-a', '--bogus'], "unknown option '--bogus'"],
      [['stack', 'down', '--only', 'nginx'], "option '--only <server>' argument 'nginx' is invalid"],
    ] as const) {
      const { program, err } = captured();
      expect(await runProgram(program, ['node', 'dreamgate', ...args]), args.join(' ')).toBe(2);
      expect(err.join(''), args.join(' ')).toContain(named);
    }
  });
});
