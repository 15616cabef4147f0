import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../app/client.js';
import { startCycle } from '../../app/cycleClient.js';
import { temporalSettings } from '../../app/temporal/settings.js';
import { createWorker } from '../../app/worker.js';
import { loadStackConfig, temporalAddress, type StackConfig } from '../../src/config/stack.js';
import { makePki, type Pki } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { startTlsProxy, type TlsProxy } from '../support/tlsProxy.js';
import { FleetRegistry } from '../../src/config/registry.js';
import { exampleAgent, serveFleet } from './cycleHarness.js';
import { bundled, unique } from './helpers.js';

/**
 * A secured Temporal endpoint, as Temporal Cloud or a secured cluster presents one: TLS with a server
 * certificate of a private CA, a client certificate demanded, and an API key on every call. A proxy on
 * loopback plays it in front of the local dev server; dreamgate reaches it through Temporal's own
 * environment configuration (TEMPORAL_* variables and temporal.toml profiles).
 */
let cfg: StackConfig;
let pki: Pki;
let proxy: TlsProxy;
let emptyConfig: string;
const apiKey = 'dg-test-key-0123456789';

beforeAll(async () => {
  cfg = await loadStackConfig();
  const dir = await tempDir('dg-tls-');
  pki = await makePki(dir);
  proxy = await startTlsProxy({
    upstream: temporalAddress(cfg),
    serverCert: pki.serverCert,
    serverKey: pki.serverKey,
    clientCa: pki.caCert,
    apiKey,
  });
  // this machine's own temporal.toml, if it has one, must not take part
  emptyConfig = join(dir, 'empty.toml');
  await writeFile(emptyConfig, '');
});
afterAll(async () => proxy?.close());

/** The environment of a worker on a secured cluster, with one setting changed. */
function secured(change: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_CONFIG_FILE: emptyConfig,
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: cfg.temporal.namespace,
    TEMPORAL_API_KEY: apiKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    ...change,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

describe('a secured Temporal endpoint (TLS, client certificate, API key)', () => {
  it('runs a cycle through it: worker and client connect with the TEMPORAL_* settings', async () => {
    const t = { ...temporalSettings(cfg, secured()), taskQueue: unique('tls'), sharedQueue: true };
    expect(t.local).toBe(false);
    const fleets = new FleetRegistry();
    const worker = await createWorker(
      cfg,
      { taskQueue: t.taskQueue, shutdownGraceTime: '1s', ...bundled() },
      { temporal: t, fleets },
    );
    const running = worker.worker.run();
    const client = await connectClient(cfg, t);
    try {
      const fleet = await serveFleet(fleets, [await exampleAgent('coding-agent')]);
      const handle = await startCycle(client, fleet, fleet.agents[0]!);
      const result = await handle.result();
      expect(result.outcome).toBe('kept');
    } finally {
      worker.worker.shutdown();
      await running;
      await worker.close();
      await client.close();
    }
    expect(proxy.forwarded.some((p) => p.endsWith('/PollActivityTaskQueue'))).toBe(true);
    expect(proxy.forwarded.some((p) => p.endsWith('/StartWorkflowExecution'))).toBe(true);
    expect(proxy.refused).toEqual([]);
  });

  it('the command line reaches it through a temporal.toml profile chosen by TEMPORAL_PROFILE', async () => {
    const dir = await tempDir('dg-tls-cli-');
    const toml = join(dir, 'temporal.toml');
    await writeFile(
      toml,
      [
        '[profile.default]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.secured]',
        `address = "${proxy.address}"`,
        `namespace = "${cfg.temporal.namespace}"`,
        `api_key = "${apiKey}"`,
        '[profile.secured.tls]',
        `server_ca_cert_path = "${pki.caCert}"`,
        `client_cert_path = "${pki.clientCert}"`,
        `client_key_path = "${pki.clientKey}"`,
        'server_name = "temporal.test"',
        '',
      ].join('\n'),
    );
    const fleet = join(dir, 'dreamgate.yml');
    const agent = await exampleAgent('support-agent');
    await writeFile(
      fleet,
      `fleet: ${unique('tls')}\nagents:\n  - id: ${agent.id}\n    store: ${agent.store}\n    sessions: ${agent.sessions}\n    suite: ${agent.suite}\n    mode: automatic\n`,
    );
    const before = proxy.forwarded.length;
    const env = { DREAMGATE_LOCAL_STACK: '', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'secured' };
    const ok = await runCli(['status', '--fleet', fleet, '--json'], env);
    // reached through the profile; no worker serves this fleet, which status says (exit 1)
    expect(ok.stderr).toMatch(
      /^error: no worker is polling task queue "dreamgate-tls-[^"]+" \(namespace default at 127\.0\.0\.1:\d+\): start one with/,
    );
    expect(ok.code).toBe(1);
    expect(JSON.parse(ok.stdout).cycles).toEqual([
      expect.objectContaining({ agent: agent.id, status: 'no cycles yet' }),
    ]);
    expect(proxy.forwarded.length).toBeGreaterThan(before);

    // the default profile of the same file points nowhere: one line naming the address and where it came from
    const nowhere = await runCli(['status', '--fleet', fleet], { ...env, TEMPORAL_PROFILE: '' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toBe(
      `error: cannot connect to Temporal at 127.0.0.1:1 (profile "default" of ${toml}): connection refused: nothing is listening there\n`,
    );
  });

  const refusals: [string, Record<string, string | undefined>, RegExp][] = [
    [
      'no client certificate',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined },
      /the server demands a client certificate and none is configured: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH$/,
    ],
    [
      'a client certificate of another CA',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'stranger.crt', TEMPORAL_TLS_CLIENT_KEY_PATH: 'stranger.key' },
      /the server hung up after the TLS handshake, as a server does when it refuses a client certificate: check the one given in TEMPORAL_TLS_CLIENT_CERT_PATH/,
    ],
    [
      'the wrong CA for the server',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'other-ca.crt' },
      /the server's certificate is not signed by the CA given in TEMPORAL_TLS_SERVER_CA_CERT_PATH$/,
    ],
    [
      'no server name override (the certificate names temporal.test, not the address)',
      { TEMPORAL_TLS_SERVER_NAME: undefined },
      /the server's certificate is not issued for "127\.0\.0\.1": set TEMPORAL_TLS_SERVER_NAME to a name it carries$/,
    ],
    [
      'no API key',
      { TEMPORAL_API_KEY: undefined },
      /the server demands an API key and none is configured: set TEMPORAL_API_KEY \(no API key: /,
    ],
    [
      'a wrong API key',
      { TEMPORAL_API_KEY: 'not-the-key' },
      /the server refused the API key given in TEMPORAL_API_KEY \(invalid API key: /,
    ],
  ];

  for (const [what, change, expected] of refusals) {
    // the timeout is the "never hangs" bound: well under a minute for both connections
    it(
      `${what}: worker and client each fail with one line naming it, without hanging`,
      { timeout: 60_000 },
      async () => {
        const resolved = Object.fromEntries(
          Object.entries(change).map(([k, v]) => [k, v && k.endsWith('_PATH') ? join(pki.dir, v) : v]),
        );
        const t = { ...temporalSettings(cfg, secured(resolved)), taskQueue: unique('tls-refused'), sharedQueue: true };
        for (const connect of [
          () => connectClient(cfg, t),
          () => createWorker(cfg, { taskQueue: t.taskQueue, ...bundled() }, { temporal: t }),
        ]) {
          const err = (await connect().then(
            () => new Error('connected'),
            (e: unknown) => e,
          )) as Error;
          expect(err.name).toBe('TemporalUnreachable');
          expect(err.message).not.toContain('\n');
          expect(err.message.startsWith(`cannot connect to Temporal at ${proxy.address} (TEMPORAL_ADDRESS): `)).toBe(
            true,
          );
          expect(err.message).toMatch(expected);
        }
      },
    );
  }
});

describe('the Temporal environment, as a user sets it for the command line', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv, cwd?: string) =>
    runCli(args, { DREAMGATE_LOCAL_STACK: '', TEMPORAL_CONFIG_FILE: emptyConfig, ...env }, 30_000, cwd);

  it('TEMPORAL_ADDRESS=127.0.0.1:1 dreamgate status: one line naming that address, exit 1, no hang', async () => {
    // where there is no dreamgate.yml, and where there is one
    const empty = await tempDir('dg-nofleet-');
    const fleetDir = await tempDir('dg-fleet-');
    await writeFile(
      join(fleetDir, 'dreamgate.yml'),
      'fleet: f\nagents:\n  - { id: a, store: ./m, sessions: ./s, suite: ./s.yml, mode: automatic }\n',
    );
    for (const cwd of [empty, fleetDir]) {
      const r = await cli(['status'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }, cwd);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'error: cannot connect to Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS): connection refused: nothing is listening there\n',
      );
    }
    // with Temporal reachable, the missing fleet config is what is said
    const r = await cli(['status'], {}, empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: no fleet config: ${join(empty, 'dreamgate.yml')} does not exist; pass --fleet <file> or set DREAMGATE_FLEET\n`,
    );
  });

  it('a temporal.toml profile for a real cluster is ignored under DREAMGATE_LOCAL_STACK=1 (as npm test and npm start set it)', async () => {
    const home = await tempDir('dg-home-');
    await mkdir(join(home, '.config', 'temporalio'), { recursive: true });
    await writeFile(
      join(home, '.config', 'temporalio', 'temporal.toml'),
      '[profile.default]\naddress = "127.0.0.1:1"\nnamespace = "production"\n',
    );
    const fleetDir = await tempDir('dg-fleet-');
    await writeFile(
      join(fleetDir, 'dreamgate.yml'),
      'fleet: f\nagents:\n  - { id: a, store: ./m, sessions: ./s, suite: ./s.yml, mode: automatic }\n',
    );
    const env = { HOME: home, TEMPORAL_CONFIG_FILE: undefined };
    const real = await cli(['status', '--json'], env, fleetDir);
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(
      /^error: cannot connect to Temporal at 127\.0\.0\.1:1 \(profile "default" of .*temporal\.toml\): /,
    );
    const local = await cli(['status', '--json'], { ...env, DREAMGATE_LOCAL_STACK: '1' }, fleetDir);
    expect(local.stderr).toMatch(/^error: no worker is polling task queue "dreamgate-f"/); // reached: no worker serves f
    expect(JSON.parse(local.stdout).cycles).toEqual([expect.objectContaining({ agent: 'a', status: 'no cycles yet' })]);
  });

  it('DREAMGATE_TEMPORAL_ADDRESS still works, once, with a notice naming TEMPORAL_ADDRESS', async () => {
    const fleetDir = await tempDir('dg-fleet-');
    await writeFile(
      join(fleetDir, 'dreamgate.yml'),
      'fleet: f\nagents:\n  - { id: a, store: ./m, sessions: ./s, suite: ./s.yml, mode: automatic }\n',
    );
    const r = await cli(['status', '--json'], { DREAMGATE_TEMPORAL_ADDRESS: temporalAddress(cfg) }, fleetDir);
    expect(r.stderr.split('\n')[0]).toBe(
      "dreamgate: warning: DREAMGATE_TEMPORAL_ADDRESS is deprecated and will stop working in the next release: use TEMPORAL_ADDRESS (the variable Temporal's CLI and SDKs read)",
    );
    expect(r.stderr.split('\n')[1]).toMatch(/^error: no worker is polling task queue "dreamgate-f"/); // it connected
    expect(JSON.parse(r.stdout).cycles).toHaveLength(1);
  });
});
