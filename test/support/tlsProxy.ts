import {
  connect,
  constants as h2,
  createSecureServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';

/** A secured Temporal endpoint in front of a plain one: what Temporal Cloud or a secured cluster asks for. */
export interface TlsProxy {
  /** host:port on loopback. */
  address: string;
  /** Requests refused, by reason (no API key, a wrong one). */
  refused: string[];
  /** gRPC methods forwarded, in order (e.g. ".../PollWorkflowTaskQueue"). */
  forwarded: string[];
  close(): Promise<void>;
}

export interface TlsProxyOptions {
  /** The plain-text Temporal frontend to forward to (host:port). */
  upstream: string;
  serverCert: string;
  serverKey: string;
  /** The CA whose client certificates are accepted. */
  clientCa: string;
  apiKey: string;
}

const hopByHop = new Set([
  h2.HTTP2_HEADER_AUTHORITY,
  h2.HTTP2_HEADER_SCHEME,
  h2.HTTP2_HEADER_STATUS,
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!hopByHop.has(k) && v !== undefined) out[k] = v;
  return out;
}

/**
 * A TLS-terminating HTTP/2 proxy on loopback that demands a client certificate signed by `clientCa` and
 * `authorization: Bearer <apiKey>` on every call (answering gRPC UNAUTHENTICATED otherwise, as Temporal
 * Cloud does), and forwards gRPC calls, long polls included, to a plain-text frontend.
 */
export async function startTlsProxy(opts: TlsProxyOptions): Promise<TlsProxy> {
  const [cert, key, ca] = await Promise.all([
    readFile(opts.serverCert),
    readFile(opts.serverKey),
    readFile(opts.clientCa),
  ]);
  const refused: string[] = [];
  const forwarded: string[] = [];
  let upstream: ClientHttp2Session | undefined;
  const upstreamSession = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = connect(`http://${opts.upstream}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };

  const server = createSecureServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => undefined);
    const auth = headers.authorization;
    if (auth !== `Bearer ${opts.apiKey}`) {
      const why = auth === undefined ? 'no API key' : 'invalid API key';
      refused.push(why);
      stream.respond(
        {
          [h2.HTTP2_HEADER_STATUS]: 200,
          'content-type': 'application/grpc',
          'grpc-status': '16',
          'grpc-message': encodeURIComponent(`${why}: this endpoint needs authorization: Bearer <key>`),
        },
        { endStream: true },
      );
      return;
    }
    forwarded.push(String(headers[h2.HTTP2_HEADER_PATH]));
    const up = upstreamSession().request(forwardable(headers));
    up.on('error', () => {
      if (!stream.destroyed) stream.close(h2.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('close', () => {
      if (!up.destroyed) up.close(h2.NGHTTP2_CANCEL);
    });
    let trailers: OutgoingHttpHeaders = { 'grpc-status': '0' };
    up.on('trailers', (t) => (trailers = forwardable(t)));
    up.on('response', (resHeaders, flags) => {
      if (stream.destroyed) return;
      // a trailers-only response (an error) carries grpc-status in its headers and ends the stream
      if (flags & h2.NGHTTP2_FLAG_END_STREAM) {
        stream.respond({ ...forwardable(resHeaders), [h2.HTTP2_HEADER_STATUS]: 200 }, { endStream: true });
        return;
      }
      stream.respond(
        { ...forwardable(resHeaders), [h2.HTTP2_HEADER_STATUS]: resHeaders[h2.HTTP2_HEADER_STATUS] ?? 200 },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      up.pipe(stream);
    });
    stream.pipe(up);
  });
  // a refused handshake (no or wrong client certificate) is the client's problem, not the proxy's
  server.on('tlsClientError', () => undefined);
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('sessionError', () => undefined);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    refused,
    forwarded,
    async close() {
      upstream?.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // long polls hold their sessions open: end them
        for (const s of sessions) s.destroy();
      });
    },
  };
}
