import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedS3Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A pass-through HTTP proxy in front of an S3 server, recording what each request carried on the wire. */
export interface S3Recorder {
  url: string;
  requests: RecordedS3Request[];
  /** TCP connections the clients opened to it: with keep-alive, far fewer than requests. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Forwards every request unchanged (the Host header too, so signatures still verify) and records its method,
 * path and headers: what the SDK really sent, after every middleware.
 */
export async function startS3Recorder(upstream: string): Promise<S3Recorder> {
  const target = new URL(upstream);
  const requests: RecordedS3Request[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
