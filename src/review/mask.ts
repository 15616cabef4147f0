import { redactSecrets } from '../sessions/screen.js';

/**
 * The one mask every text on the review desk goes through before a reviewer sees it: memory before and
 * after a change, quoted session events, held lines. A secret is shown as `[REDACTED:<kind>]`, never as
 * itself (red-team L2: the `-` line of a redaction printed the value it removed).
 */
export async function maskSecrets(text: string): Promise<string> {
  return (await redactSecrets(text)).text;
}
