import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../util/paths.js';
import { loadYamlFile } from '../util/yamlFile.js';

const loopback = z.string().refine((h) => h === '127.0.0.1' || h === 'localhost' || h === '::1', {
  message: 'the local stack binds loopback only: use 127.0.0.1',
});
const port = z.number().int().min(1).max(65535);
const goModule = z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, 'expected a Go module path');
const version = z.string().regex(/^v\d+\.\d+\.\d+$/, 'expected a pinned version such as v1.5.1');
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name');

const stackSchema = z
  .object({
    /** Where the servers are built (default: see `binCacheDir`). */
    binCache: z.string().min(1).optional(),
    stateDir: z.string().min(1),
    temporal: z
      .object({
        module: goModule,
        version,
        host: loopback,
        port,
        uiPort: port,
        namespace: z.string().min(1),
        dbFile: z.string().min(1),
        searchAttributes: z.record(
          z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
          z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']),
        ),
      })
      .strict(),
    s3: z
      .object({
        module: goModule,
        version,
        host: loopback,
        port,
        healthPath: z.string().startsWith('/'),
        region: z.string().min(1),
        dataDir: z.string().min(1),
        versioningDir: z.string().min(1),
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(8),
        buckets: z
          .object({
            snapshots: z.object({ name: bucketName, versioning: z.literal(true) }).strict(),
            audit: z
              .object({
                name: bucketName,
                objectLock: z.literal(true),
                retentionDays: z.number().int().min(1).max(36500),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export type StackFile = z.output<typeof stackSchema>;

/** The stack config with every path made absolute. */
export interface StackConfig extends StackFile {
  file: string;
  binCache: string;
  stateDir: string;
}

export const defaultStackFile = join(projectRoot, 'temporal-dev.yml');

export async function loadStackConfig(
  file = process.env.DREAMGATE_STACK_CONFIG ?? defaultStackFile,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackConfig> {
  const parsed = await loadYamlFile(file, stackSchema);
  const base = dirname(resolve(file));
  const home = env.HOME || homedir();
  const abs = (p: string) => (p.startsWith('~/') ? join(home, p.slice(2)) : isAbsolute(p) ? p : resolve(base, p));
  const binCache = abs(binCacheDir(parsed.binCache, env));
  return { ...parsed, file: resolve(file), binCache, stateDir: abs(parsed.stateDir) };
}

/**
 * Where the servers' binaries are built, once per machine: `DREAMGATE_BIN_CACHE`, else the stack file's
 * `binCache`, else `$XDG_CACHE_HOME/dreamgate/bin`, else `~/.cache/dreamgate/bin`. A service account with a
 * home of its own (or none) points it at a shared cache instead of building again.
 */
export function binCacheDir(fromFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DREAMGATE_BIN_CACHE) return env.DREAMGATE_BIN_CACHE;
  if (fromFile) return fromFile;
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, 'dreamgate', 'bin') : '~/.cache/dreamgate/bin';
}

export function temporalAddress(c: StackConfig): string {
  return `${c.temporal.host}:${c.temporal.port}`;
}

export function temporalUiUrl(c: StackConfig): string {
  return `http://${c.temporal.host}:${c.temporal.uiPort}`;
}

export function s3Endpoint(c: StackConfig): string {
  return `http://${c.s3.host}:${c.s3.port}`;
}

/**
 * Set by `npm test`, `npm start`, `npm run bench`, `npm run test:faults`, the vitest config and `dreamgate
 * demo`: Temporal and S3 are the local stack's, whatever the machine's Temporal environment, `temporal.toml`
 * profiles or AWS settings say, so a developer's profile for a real cluster is never what a test talks to.
 */
export const localStackVariable = 'DREAMGATE_LOCAL_STACK';

export function isLocalStackForced(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[localStackVariable] === '1' || env[localStackVariable] === 'true';
}
