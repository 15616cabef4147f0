import { loadStackConfig } from '../../src/config/stack.js';
import { stackDown, stackUp } from '../../src/stack/servers.js';

/** Brings the real stack up once for all integration tests (or reuses a healthy one) and stops only what it started. */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg = await loadStackConfig();
  const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
  const { started } = await stackUp(cfg, log);
  return async () => {
    if (started.length > 0) await stackDown(cfg, started, log);
  };
}
