import pc from 'picocolors';

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
