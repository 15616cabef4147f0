/**
 * Invalid input: a file, line, path or flag the user can fix. The command line maps it to exit code 2;
 * activities turn it into a non-retryable `InvalidInput` failure.
 */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
