import { connect as http2Connect, constants as h2 } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { errorMessage } from '../../src/util/errors.js';
import type { TemporalSettings } from './settings.js';

/** Temporal could not be reached with these settings; the message is one line naming what to fix. */
export class TemporalUnreachable extends Error {
  override readonly name = 'TemporalUnreachable';
}

/** How long a connection attempt may take before it is reported, never waited on longer. */
const connectTimeoutMs = 5_000;

/** A client connection (command line, schedules, tests), or one clear line saying why not. */
export async function connectTemporal(t: TemporalSettings): Promise<Connection> {
  return withDiagnosis(t, () =>
    Connection.connect({ address: t.address, ...t.connection, connectTimeout: connectTimeoutMs }),
  );
}

/** The worker's connection (Rust core), or one clear line saying why not. */
export async function connectNative(t: TemporalSettings): Promise<NativeConnection> {
  // the worker SDK (Rust core) is loaded by the commands that run a worker, not by every command's start
  const { NativeConnection: Native } = await import('@temporalio/worker');
  return withDiagnosis(t, () => Native.connect({ address: t.address, ...t.connection }));
}

async function withDiagnosis<C extends { close(): Promise<void> }>(
  t: TemporalSettings,
  connect: () => Promise<C>,
): Promise<C> {
  const failure = (reason: string) =>
    new TemporalUnreachable(`cannot connect to Temporal at ${t.address} (${t.sources.address}): ${reason}`);
  let timer: NodeJS.Timeout | undefined;
  let giveUp: (err: Error) => void = () => {};
  const attempt = connect();
  // the probe runs beside the connection: nothing listening, or no such host, is said at once instead of
  // after the SDK's deadline (unless a proxy, which the SDK may use and the probe does not, is configured)
  const diagnosis = probe(t);
  void diagnosis.then((reason) => {
    if (reason && unreachable.some((r) => reason.startsWith(r)) && !proxied()) giveUp(failure(reason));
  });
  try {
    return await Promise.race([
      attempt,
      new Promise<never>((_, reject) => {
        giveUp = reject;
        // the native connection has no connect timeout of its own: a TLS handshake nobody answers waits forever
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeoutMs / 1000} s`)),
          connectTimeoutMs * 2,
        );
      }),
    ]);
  } catch (err) {
    void attempt.then((c) => c.close()).catch(() => undefined);
    if (err instanceof TemporalUnreachable) throw err;
    throw failure((await diagnosis) ?? errorMessage(err).split('\n')[0]!);
  } finally {
    clearTimeout(timer);
  }
}

const unreachable = ['connection refused', 'host '];
const proxied = () =>
  ['grpc_proxy', 'https_proxy', 'http_proxy'].some((v) => process.env[v] || process.env[v.toUpperCase()]);

const caErrors = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** The TLS material the settings give, or undefined for plain text. */
const tlsOf = (t: TemporalSettings) => (t.connection.tls === true ? {} : t.connection.tls || undefined);

/** What a probe knows when it explains a failure. */
interface Probing {
  t: TemporalSettings;
  tls: ReturnType<typeof tlsOf>;
  host: string;
}

/** A server that refuses a client certificate after the handshake (TLS 1.3) may just hang up. */
function hungUp({ t, tls }: Probing): string {
  return tls?.clientCertPair
    ? `the server hung up after the TLS handshake, as a server does when it refuses a client certificate: check the one given in ${t.sources.clientCert} (is it signed by a CA the server trusts?)`
    : 'the server hung up after the TLS handshake: it may demand a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)';
}

/** A connection or TLS error as one line naming the setting to fix. */
function errorReason(p: Probing, e: NodeJS.ErrnoException): string {
  const { tls, host } = p;
  const s = p.t.sources;
  // a request cancelled because its session failed carries the session's error as its cause
  const err = (e.code === 'ERR_HTTP2_STREAM_CANCEL' && (e.cause as NodeJS.ErrnoException | undefined)) || e;
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused: nothing is listening there';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host ${host} not found`;
  if (code === 'ETIMEDOUT') return 'the connection timed out';
  if (caErrors.has(code))
    return tls?.serverRootCACertificate
      ? `the server's certificate is not signed by the CA given in ${s.serverCa}`
      : "the server's certificate is not signed by a CA this machine trusts: give its CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the server's certificate is not issued for "${tls?.serverNameOverride ?? host}": set TEMPORAL_TLS_SERVER_NAME to a name it carries`;
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(code) && !tls?.clientCertPair)
    return 'the server demands a client certificate and none is configured: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  if (/ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE)/.test(code))
    return `the server refused the client certificate given in ${s.clientCert}`;
  if (tls && code === 'ECONNRESET') return hungUp(p);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO')
    return 'TLS is configured but the server does not speak TLS there (set TEMPORAL_TLS=false?)';
  if (!tls && (code === 'ECONNRESET' || code.startsWith('ERR_HTTP2')))
    return 'the server does not answer plain-text gRPC: it may need TLS or an API key (TEMPORAL_TLS, TEMPORAL_API_KEY)';
  return `${code ? `${code}: ` : ''}${err.message}`;
}

/** The frontend's answer: undefined when it answered GetSystemInfo, else why not. */
function answerReason(p: Probing, status: string | undefined, message: string, httpStatus: number): string | undefined {
  const { t, tls } = p;
  if (status === '0') return undefined;
  if (status === '16')
    return t.connection.apiKey
      ? `the server refused the API key given in ${t.sources.apiKey}${message ? ` (${message})` : ''}`
      : `the server demands an API key and none is configured: set TEMPORAL_API_KEY${message ? ` (${message})` : ''}`;
  if (status === '7') return `permission denied${message ? `: ${message}` : ''}`;
  if (status !== undefined) return `gRPC status ${status}${message ? `: ${message}` : ''}`;
  if (!httpStatus && tls) return hungUp(p);
  if (!httpStatus) return 'the server closed the connection without answering';
  return `the server answered HTTP ${httpStatus}, not gRPC: is ${t.address} a Temporal frontend?`;
}

/**
 * Asks the frontend for its system info over HTTP/2 with the same TLS material and API key, and turns
 * what went wrong into one line naming the setting to fix. The SDKs report most of these cases as "failed
 * to connect before the deadline"; Node's TLS and HTTP/2 stacks say precisely which side refused what.
 * Undefined when the probe gets through (the cause is elsewhere).
 */
export async function probe(t: TemporalSettings, timeoutMs = connectTimeoutMs): Promise<string | undefined> {
  const tls = tlsOf(t);
  const [host, port] = splitAddress(t.address);
  const p: Probing = { t, tls, host };
  const clientCert = tls?.clientCertPair;
  const serverName = tls?.serverNameOverride;

  return new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    const session = http2Connect(`${tls ? 'https' : 'http'}://${host}:${port}`, {
      ...(tls
        ? {
            ALPNProtocols: ['h2'],
            ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
            ...(clientCert ? { cert: Buffer.from(clientCert.crt), key: Buffer.from(clientCert.key) } : {}),
            ...(serverName ? { servername: serverName } : {}),
          }
        : {}),
    });
    const finish = (reason: string | undefined) => {
      clearTimeout(timer);
      session.destroy();
      resolve(reason);
    };
    const failed = (e: NodeJS.ErrnoException) => finish(errorReason(p, e));
    session.on('error', failed);
    session.on('secureConnect', () => {
      const socket = session.socket as TLSSocket;
      if (socket.alpnProtocol !== 'h2') finish('the server does not offer HTTP/2 (ALPN h2): is this a gRPC endpoint?');
    });

    const req = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      'content-type': 'application/grpc',
      te: 'trailers',
      'temporal-namespace': t.namespace,
      ...(t.connection.apiKey ? { authorization: `Bearer ${t.connection.apiKey}` } : {}),
      ...((t.connection.metadata as Record<string, string> | undefined) ?? {}),
    });
    req.on('error', failed);
    let status: string | undefined;
    let message = '';
    let httpStatus = 0;
    const grpc = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', (h) => {
      httpStatus = Number(h[h2.HTTP2_HEADER_STATUS]);
      grpc(h);
    });
    req.on('trailers', grpc);
    req.on('data', () => undefined);
    req.on('end', () => finish(answerReason(p, status, message, httpStatus)));
    // a gRPC request with an empty message: no compression flag, zero length
    req.end(Buffer.alloc(5));
  });
}

function splitAddress(address: string): [string, string] {
  const m = /^(.*):(\d+)$/.exec(address);
  return m ? [m[1]!.replace(/^\[(.*)\]$/, '[$1]'), m[2]!] : [address, '7233'];
}
