import { existsSync, readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConnectConfig,
} from '@temporalio/envconfig';
import { parse as parseToml, TomlError } from 'smol-toml';
import { isLocalStackForced, temporalAddress, temporalUiUrl, type StackConfig } from '../../src/config/stack.js';
import { errorMessage, InvalidInput } from '../../src/util/errors.js';
import { defaultTaskQueue, fleetTaskQueue } from '../../src/names/scope.js';

/**
 * Where dreamgate's Temporal is and how to reach it. Outside the local stack this is Temporal's own
 * environment configuration (what the `temporal` CLI and every SDK read): `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TEMPORAL_GRPC_META_*`, and profiles in
 * `temporal.toml` chosen by `TEMPORAL_PROFILE` (loaded by `@temporalio/envconfig`).
 */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** The deployment's queue: `DREAMGATE_TASK_QUEUE`, else `dreamgate` (the proof, and cycles started before fleets had their own). */
  taskQueue: string;
  /** True when `DREAMGATE_TASK_QUEUE` is set: fleets that name no queue of their own share `taskQueue`. */
  sharedQueue: boolean;
  uiUrl: string;
  /** What `Connection.connect` / `NativeConnection.connect` take besides the address. */
  connection: Pick<ClientConnectConfig['connectionOptions'], 'tls' | 'apiKey' | 'metadata'>;
  /** Where each setting came from, for messages: "TEMPORAL_API_KEY", `profile "prod" of …/temporal.toml`. */
  sources: Record<SettingName, string>;
  /** True when this is the local stack of temporal-dev.yml (the default, and always under npm test/start). */
  local: boolean;
  /** Deprecation notices to print once. */
  warnings: string[];
}

export type SettingName =
  'address' | 'namespace' | 'apiKey' | 'clientCert' | 'clientKey' | 'serverCa' | 'serverName' | 'tls';

/** The variables of earlier releases, kept for one release with a notice naming the replacement. */
const deprecated = [
  ['DREAMGATE_TEMPORAL_ADDRESS', 'TEMPORAL_ADDRESS'],
  ['DREAMGATE_NAMESPACE', 'TEMPORAL_NAMESPACE'],
] as const;

/** Environment variables, per setting, that override a profile (as `@temporalio/envconfig` applies them). */
const envNames: Record<SettingName, string[]> = {
  address: ['TEMPORAL_ADDRESS'],
  namespace: ['TEMPORAL_NAMESPACE'],
  apiKey: ['TEMPORAL_API_KEY'],
  clientCert: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
  clientKey: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
  serverCa: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME'],
  tls: ['TEMPORAL_TLS'],
};

/**
 * The config file `@temporalio/envconfig` reads: `TEMPORAL_CONFIG_FILE`, else `temporalio/temporal.toml` in
 * the user's config folder (the same lookup as the SDK's, so messages can name the file).
 */
export function temporalConfigFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CONFIG_FILE) return env.TEMPORAL_CONFIG_FILE;
  const home = env.HOME ?? homedir();
  const dir =
    platform() === 'win32'
      ? env.APPDATA
      : platform() === 'darwin'
        ? join(home, 'Library', 'Application Support')
        : env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)
          ? env.XDG_CONFIG_HOME
          : join(home, '.config');
  return dir ? join(dir, 'temporalio', 'temporal.toml') : undefined;
}

/** The environment as Temporal reads it: empty variables unset, deprecated names mapped (with a warning each). */
function effectiveEnv(env: NodeJS.ProcessEnv): { effective: Record<string, string>; warnings: string[] } {
  const warnings: string[] = [];
  // an empty variable is an unset one (as a shell's `VAR= cmd` means)
  const effective: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') effective[k] = v;
  for (const [old, replacement] of deprecated) {
    const value = effective[old];
    if (value === undefined) continue;
    if (effective[replacement] !== undefined && effective[replacement] !== value) {
      warnings.push(`${old} is deprecated and ignored: ${replacement} is set and wins; unset ${old}`);
      continue;
    }
    effective[replacement] = value;
    warnings.push(
      `${old} is deprecated and will stop working in the next release: use ${replacement} (the variable Temporal's CLI and SDKs read)`,
    );
  }

  return { effective, warnings };
}

/** The profile as client options; a TLS file that cannot be read is named with where its setting came from. */
function clientOptions(
  profile: ClientConfigProfile,
  fromFile: ClientConfigProfile,
  sourceOf: (name: SettingName, inFile: unknown) => string,
): ClientConnectConfig {
  try {
    return toClientOptions(profile); // reads the certificate and key files
  } catch (err) {
    const tls = profile.tls;
    const files: [SettingName, { path: string } | { data: unknown } | undefined][] = [
      ['clientCert', tls?.clientCert],
      ['clientKey', tls?.clientKey],
      ['serverCa', tls?.serverCACert],
    ];
    const [name] = files.find(([, s]) => s !== undefined && 'path' in s && !existsSync(s.path)) ?? [];
    throw new InvalidInput(
      name
        ? `${sourceOf(name, 'file')}: cannot read the TLS ${name} file: ${errorMessage(err)}`
        : `TLS settings (${sourceOf('tls', fromFile.tls)}): ${errorMessage(err)}`,
    );
  }
}

/**
 * Resolves the Temporal settings. Without any Temporal environment or config file, this is the local stack
 * (temporal-dev.yml); with `DREAMGATE_LOCAL_STACK=1` it is always the local stack.
 */
export function temporalSettings(cfg: StackConfig, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const local = {
    address: temporalAddress(cfg),
    namespace: cfg.temporal.namespace,
    taskQueue: env.DREAMGATE_TASK_QUEUE || defaultTaskQueue,
    sharedQueue: Boolean(env.DREAMGATE_TASK_QUEUE),
  };
  const localSource = `the local stack (${cfg.file})`;
  if (isLocalStackForced(env)) {
    return {
      ...local,
      uiUrl: temporalUiUrl(cfg),
      connection: {},
      sources: Object.fromEntries(Object.keys(envNames).map((k) => [k, localSource])) as Record<SettingName, string>,
      local: true,
      warnings: [],
    };
  }

  const { effective, warnings } = effectiveEnv(env);

  const file = temporalConfigFile(effective);
  const text = file !== undefined ? readConfigFile(file, effective.TEMPORAL_CONFIG_FILE !== undefined) : undefined;
  const profileName = effective.TEMPORAL_PROFILE;
  if (profileName && text === undefined)
    throw new InvalidInput(
      `TEMPORAL_PROFILE=${profileName}, but there is no Temporal config file at ${file ?? '(no config folder)'}; set TEMPORAL_CONFIG_FILE`,
    );
  // a file without profiles is no file to @temporalio/envconfig (which would fail on it)
  const fileExists = text !== undefined && hasProfiles(file!, text, profileName);
  const load = (withEnv: boolean): ClientConfigProfile => {
    try {
      return loadClientConfigProfile({
        ...(fileExists ? { configSource: { data: text } } : { disableFile: true }),
        ...(profileName ? { profile: profileName } : {}),
        overrideEnvVars: withEnv ? effective : {},
      });
    } catch (err) {
      const where = fileExists ? file : 'the Temporal environment';
      throw new InvalidInput(
        `${where}: ${errorMessage(err)}${profileName ? ` (TEMPORAL_PROFILE=${profileName})` : ''}`,
      );
    }
  };
  // the file alone, to tell which settings the environment overrode
  const fromFile = fileExists ? load(false) : {};
  const profile = load(true);
  const profileSource = `profile "${profileName ?? 'default'}" of ${file ?? 'temporal.toml'}`;
  const sourceOf = (name: SettingName, inFile: unknown): string => {
    const set = envNames[name].find((v) => effective[v] !== undefined && effective[v] !== '');
    const old = deprecated.find(([, replacement]) => replacement === set && !env[replacement]);
    return old ? old[0] : (set ?? (inFile !== undefined ? profileSource : localSource));
  };

  const options = clientOptions(profile, fromFile, sourceOf);
  const address = options.connectionOptions.address ?? local.address;
  const { tls, apiKey, metadata } = options.connectionOptions;
  return {
    address,
    namespace: options.namespace ?? local.namespace,
    taskQueue: local.taskQueue,
    sharedQueue: local.sharedQueue,
    uiUrl: env.DREAMGATE_TEMPORAL_UI_URL || uiUrlFor(address, cfg),
    connection: {
      ...(tls !== undefined ? { tls } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    },
    sources: {
      address: sourceOf('address', fromFile.address),
      namespace: sourceOf('namespace', fromFile.namespace),
      apiKey: sourceOf('apiKey', fromFile.apiKey),
      clientCert: sourceOf('clientCert', fromFile.tls?.clientCert),
      clientKey: sourceOf('clientKey', fromFile.tls?.clientKey),
      serverCa: sourceOf('serverCa', fromFile.tls?.serverCACert),
      serverName: sourceOf('serverName', fromFile.tls?.serverName),
      tls: sourceOf('tls', fromFile.tls),
    },
    local: address === local.address && tls === undefined && apiKey === undefined,
    warnings,
  };
}

const warned = new Set<string>();

/** Prints a deprecation notice once per process (to stderr, so --json output stays clean). */
export function warnOnce(line: string): void {
  if (warned.has(line)) return;
  warned.add(line);
  process.stderr.write(`dreamgate: warning: ${line}\n`);
}

function readConfigFile(file: string, explicit: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return undefined;
    throw new InvalidInput(`TEMPORAL_CONFIG_FILE: cannot read ${file}: ${errorMessage(err)}`);
  }
}

function hasProfiles(file: string, text: string, profileName: string | undefined): boolean {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? `:${err.line}:${err.column}` : '';
    throw new InvalidInput(`${file}${where}: ${errorMessage(err).split('\n')[0]}`);
  }
  if (parsed.profile !== undefined && (typeof parsed.profile !== 'object' || Array.isArray(parsed.profile)))
    throw new InvalidInput(`${file}: "profile" must be a table of profiles ([profile.<name>])`);
  if (parsed.profile !== undefined) return true;
  if (profileName) throw new InvalidInput(`${file}: no profile "${profileName}" (TEMPORAL_PROFILE=${profileName})`);
  return false;
}

/** The Web UI for links: Temporal Cloud's, the local stack's, or a guess at a self-hosted one (port 8080). */
function uiUrlFor(address: string, cfg: StackConfig): string {
  if (/\.tmprl\.cloud(:\d+)?$/.test(address)) return 'https://cloud.temporal.io';
  if (address === temporalAddress(cfg)) return temporalUiUrl(cfg);
  return `http://${address.replace(/:\d+$/, '')}:8080`;
}

export function workflowUrl(
  t: Pick<TemporalSettings, 'uiUrl' | 'namespace'>,
  workflowId: string,
  runId?: string,
): string {
  const base = `${t.uiUrl}/namespaces/${encodeURIComponent(t.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** The task queue of a fleet's cycles, fleet runs and schedule, for these settings (see `fleetTaskQueue`). */
export function queueOf(
  t: Pick<TemporalSettings, 'taskQueue' | 'sharedQueue'>,
  fleet: { fleet: string; taskQueue?: string },
): string {
  return fleetTaskQueue(fleet, t.sharedQueue ? t.taskQueue : undefined);
}
