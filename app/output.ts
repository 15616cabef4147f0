import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { InvalidInput } from '../src/util/errors.js';

/** Colours only when writing to a terminal and NO_COLOR is unset; plain text in a pipe. */
export function colours(stream: NodeJS.WriteStream = process.stdout) {
  return pc.createColors(Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb');
}

/** Progress goes to stderr so stdout stays clean for --json. */
export function progress(line: string): void {
  const c = colours(process.stderr);
  process.stderr.write(`${c.dim('›')} ${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Exit codes of SPEC §5: 0 success, 2 invalid input or usage, 1 anything else. */
export const exitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A program whose subcommands (added after this call) throw instead of exiting, so runProgram sets the code. */
export function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(colours(process.stderr).red(str)) })
    .showHelpAfterError('(run with --help for usage)');
}

/** Runs a commander program and maps every outcome to an exit code, with one clear line on failure. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return exitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return exitCode.ok;
      return exitCode.usage;
    }
    const c = colours(process.stderr);
    if (err instanceof InvalidInput) {
      process.stderr.write(`${c.red('error:')} ${err.message}\n`);
      return exitCode.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${c.red('error:')} ${message}\n`);
    if (process.env.DREAMGATE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCode.failure;
  }
}
