import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporalSettings, workflowUrl } from '../../../../app/temporal/settings.js';
import { defaultStackFile, loadStackConfig, type StackConfig } from '../../../../src/config/stack.js';
import { InvalidInput } from '../../../../src/util/errors.js';

/** How dreamgate reads Temporal's environment configuration, its S3 settings and its observability switches. */
let cfg: StackConfig;
let home: string;
let certs: string;
const localSource = () => `the local stack (${cfg.file})`;

beforeAll(async () => {
  cfg = await loadStackConfig(defaultStackFile);
  certs = await mkdtemp(join(tmpdir(), 'dg-certs-'));
  for (const f of ['ca.pem', 'client.pem', 'client.key']) await writeFile(join(certs, f), `-----BEGIN ${f}-----\n`);
});

/** A home folder with a temporal.toml where Temporal's CLI and SDKs look for it ($HOME/.config/temporalio). */
async function homeWith(toml?: string): Promise<string> {
  home = await mkdtemp(join(tmpdir(), 'dg-home-'));
  if (toml !== undefined) {
    await mkdir(join(home, '.config', 'temporalio'), { recursive: true });
    await writeFile(join(home, '.config', 'temporalio', 'temporal.toml'), toml);
  }
  return home;
}
const tomlOf = (h: string) => join(h, '.config', 'temporalio', 'temporal.toml');

const cloudProfiles = `
[profile.default]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
api_key = "from-the-file"

[profile.mtls]
address = "dreams.internal:7233"
namespace = "dreams"
[profile.mtls.tls]
client_cert_path = "CERTS/client.pem"
client_key_path = "CERTS/client.key"
server_ca_cert_path = "CERTS/ca.pem"
server_name = "temporal.dreams.internal"
`;

describe('Temporal settings (TEMPORAL_* and temporal.toml, through @temporalio/envconfig)', () => {
  it('without any Temporal setting: the local stack of temporal-dev.yml', async () => {
    const t = temporalSettings(cfg, { HOME: await homeWith() });
    expect(t).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'dreamgate',
      uiUrl: 'http://127.0.0.1:8233',
      connection: {},
      local: true,
      warnings: [],
    });
    expect(t.sources.address).toBe(localSource());
  });

  it('the default profile of the user’s temporal.toml: Temporal Cloud with an API key (TLS on by itself)', async () => {
    const h = await homeWith(cloudProfiles);
    const t = temporalSettings(cfg, { HOME: h });
    expect(t).toMatchObject({
      address: 'acme.a1b2c.tmprl.cloud:7233',
      namespace: 'acme.a1b2c',
      uiUrl: 'https://cloud.temporal.io',
      connection: { apiKey: 'from-the-file', tls: true },
      local: false,
    });
    expect(t.sources.address).toBe(`profile "default" of ${tomlOf(h)}`);
    expect(workflowUrl(t, 'dream-a', 'run-1')).toBe(
      'https://cloud.temporal.io/namespaces/acme.a1b2c/workflows/dream-a/run-1/history',
    );
    // XDG_CONFIG_HOME moves the file, as it does for the temporal CLI
    const xdg = join(h, '.config');
    expect(temporalSettings(cfg, { HOME: await homeWith(), XDG_CONFIG_HOME: xdg }).address).toBe(t.address);
  });

  it('variables override the profile, and each setting says where it came from', async () => {
    const h = await homeWith(cloudProfiles);
    const t = temporalSettings(cfg, { HOME: h, TEMPORAL_API_KEY: 'from-the-env', TEMPORAL_NAMESPACE: 'other.a1b2c' });
    expect(t.connection.apiKey).toBe('from-the-env');
    expect(t.namespace).toBe('other.a1b2c');
    expect(t.sources).toMatchObject({
      address: `profile "default" of ${tomlOf(h)}`,
      apiKey: 'TEMPORAL_API_KEY',
      namespace: 'TEMPORAL_NAMESPACE',
    });
  });

  it('TEMPORAL_PROFILE chooses an mTLS profile: CA, client certificate and key read, server name kept', async () => {
    const h = await homeWith(cloudProfiles.replaceAll('CERTS', certs));
    const t = temporalSettings(cfg, { HOME: h, TEMPORAL_PROFILE: 'mtls' });
    const tls = t.connection.tls as {
      serverNameOverride?: string;
      serverRootCACertificate?: Uint8Array;
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
    };
    expect(t.address).toBe('dreams.internal:7233');
    expect(tls.serverNameOverride).toBe('temporal.dreams.internal');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('BEGIN ca.pem');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('BEGIN client.pem');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toContain('BEGIN client.key');
    expect(t.uiUrl).toBe('http://dreams.internal:8080');
    expect(
      temporalSettings(cfg, { HOME: h, TEMPORAL_PROFILE: 'mtls', DREAMGATE_TEMPORAL_UI_URL: 'https://ui.x' }).uiUrl,
    ).toBe('https://ui.x');
  });

  it('TEMPORAL_TLS_* variables alone: mTLS without a config file', async () => {
    const t = temporalSettings(cfg, {
      HOME: await homeWith(),
      TEMPORAL_ADDRESS: 'dreams.internal:7233',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(certs, 'ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(certs, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(certs, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.dreams.internal',
    });
    expect(t.connection.tls).toMatchObject({ serverNameOverride: 'temporal.dreams.internal' });
    expect(t.sources).toMatchObject({
      clientCert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
      serverCa: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    });
  });

  it('DREAMGATE_LOCAL_STACK=1 (npm test, npm start, benchmarks): the local stack, whatever else is set', async () => {
    const h = await homeWith(cloudProfiles);
    const t = temporalSettings(cfg, {
      HOME: h,
      DREAMGATE_LOCAL_STACK: '1',
      TEMPORAL_ADDRESS: 'prod.example:7233',
      TEMPORAL_API_KEY: 'k',
      TEMPORAL_PROFILE: 'mtls',
    });
    expect(t).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', connection: {}, local: true });
    // and what the npm scripts put in the environment of everything they start is that switch
    const { useLocalStack } = createRequire(__filename)('../../../../scripts/setup.js') as {
      useLocalStack: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
    };
    expect(temporalSettings(cfg, useLocalStack({ HOME: h, TEMPORAL_ADDRESS: 'prod.example:7233' })).local).toBe(true);
    // as the vitest config does for every test process
    expect(process.env.DREAMGATE_LOCAL_STACK).toBe('1');
  });

  it('DREAMGATE_TEMPORAL_ADDRESS and DREAMGATE_NAMESPACE still work for one release, with a notice naming the replacement', async () => {
    const HOME = await homeWith();
    const old = temporalSettings(cfg, {
      HOME,
      DREAMGATE_TEMPORAL_ADDRESS: 'old.example:7233',
      DREAMGATE_NAMESPACE: 'n',
    });
    expect(old).toMatchObject({ address: 'old.example:7233', namespace: 'n' });
    expect(old.sources.address).toBe('DREAMGATE_TEMPORAL_ADDRESS');
    expect(old.warnings).toEqual([
      "DREAMGATE_TEMPORAL_ADDRESS is deprecated and will stop working in the next release: use TEMPORAL_ADDRESS (the variable Temporal's CLI and SDKs read)",
      "DREAMGATE_NAMESPACE is deprecated and will stop working in the next release: use TEMPORAL_NAMESPACE (the variable Temporal's CLI and SDKs read)",
    ]);
    const both = temporalSettings(cfg, {
      HOME,
      DREAMGATE_TEMPORAL_ADDRESS: 'old.example:7233',
      TEMPORAL_ADDRESS: 'new.example:7233',
    });
    expect(both.address).toBe('new.example:7233');
    expect(both.warnings).toEqual([
      'DREAMGATE_TEMPORAL_ADDRESS is deprecated and ignored: TEMPORAL_ADDRESS is set and wins; unset DREAMGATE_TEMPORAL_ADDRESS',
    ]);
  });

  it('an empty variable is an unset one', async () => {
    const t = temporalSettings(cfg, { HOME: await homeWith(), TEMPORAL_ADDRESS: '', TEMPORAL_PROFILE: '' });
    expect(t.address).toBe('127.0.0.1:7233');
  });

  it('refuses bad settings with the file, line, variable or profile at fault (exit 2)', async () => {
    const h = await homeWith(cloudProfiles);
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        temporalSettings(cfg, env);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ HOME: h, TEMPORAL_PROFILE: 'staging' })).toBe(
      `${tomlOf(h)}: Profile 'staging' not found in config data (TEMPORAL_PROFILE=staging)`,
    );
    const empty = await homeWith();
    expect(refused({ HOME: empty, TEMPORAL_PROFILE: 'prod' })).toBe(
      `TEMPORAL_PROFILE=prod, but there is no Temporal config file at ${tomlOf(empty)}; set TEMPORAL_CONFIG_FILE`,
    );
    expect(refused({ HOME: empty, TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' })).toMatch(
      /^TEMPORAL_CONFIG_FILE: cannot read \/nonexistent\/temporal\.toml: ENOENT/,
    );
    const broken = await homeWith('[profile.default]\naddress = "a:1"\nnamespace = \n');
    expect(refused({ HOME: broken })).toMatch(new RegExp(`^${tomlOf(broken).replace(/[.]/g, '\\.')}:3:\\d+: `));
    expect(
      refused({ HOME: empty, TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem' }),
    ).toMatch(/^TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read the TLS clientCert file: ENOENT/);
    const missingKey = await homeWith(
      cloudProfiles.replaceAll('CERTS/client.key', '/nonexistent/client.key').replaceAll('CERTS', certs),
    );
    expect(refused({ HOME: missingKey, TEMPORAL_PROFILE: 'mtls' })).toMatch(
      new RegExp(`^profile "mtls" of .*temporal\\.toml: cannot read the TLS clientKey file: ENOENT`),
    );
    // a file without profiles is not one (and names the profile that was asked for)
    const noProfiles = await homeWith('# nothing yet\n');
    expect(temporalSettings(cfg, { HOME: noProfiles }).local).toBe(true);
    expect(refused({ HOME: noProfiles, TEMPORAL_PROFILE: 'prod' })).toBe(
      `${tomlOf(noProfiles)}: no profile "prod" (TEMPORAL_PROFILE=prod)`,
    );
  });
});
