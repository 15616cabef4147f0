/**
 * The review desk's HTTP server (`node:http`). For `review --web` it listens on 127.0.0.1 at a free port and
 * answers only a browser that holds the run's one-time token: given once in the URL, exchanged for a
 * same-site cookie, and sent again in a header with every decision. A request naming another host or port
 * (DNS rebinding, another local page) or without the token gets 403. Nothing is loaded from outside: the
 * page's scripts and styles are served from the package, and the content security policy forbids the rest.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/paths.js';

export interface Reply {
  status: number;
  type: 'html' | 'json' | 'text';
  body: string;
  headers?: Record<string, string>;
}

export interface DeskRequest {
  method: string;
  url: URL;
  /** The parsed JSON body of a POST (undefined otherwise). */
  body?: unknown;
}

export type Handler = (req: DeskRequest) => Promise<Reply | undefined>;

export interface DeskServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  /** Required from every browser (review --web); absent behind an operator's authentication proxy (serve). */
  token?: string;
}

export interface DeskServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const cookieName = 'dreamgate_desk';
const maxBody = 8 * 1024 * 1024;

export const newToken = (): string => randomBytes(32).toString('base64url');

const types = { html: 'text/html; charset=utf-8', json: 'application/json', text: 'text/plain; charset=utf-8' };
const security = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

export const reply = (status: number, type: Reply['type'], body: unknown): Reply => ({
  status,
  type,
  body: type === 'json' ? JSON.stringify(body) : String(body),
});

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === cookieName) return v.join('=');
  }
  return undefined;
}

/** Why a request is refused (403), or undefined. */
export function refusal(req: IncomingMessage, url: URL, opts: DeskServerOptions, port: number): string | undefined {
  if (!opts.token) return undefined;
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(req.headers.host ?? '')) return 'this page answers only at its own loopback address';
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin)) return 'a request from another page';
  if (req.method === 'GET' && same(url.searchParams.get('token') ?? undefined, opts.token)) return undefined;
  if (!same(cookie(req), opts.token)) return 'missing or wrong token: open the address the command printed';
  if (req.method !== 'GET' && !same(req.headers['x-desk-token'] as string | undefined, opts.token))
    return 'missing or wrong token';
  return undefined;
}

const assets: Record<string, { file: () => string; type: string }> = {
  'desk.js': { file: () => join(projectRoot, 'app', 'review', 'assets', 'desk.js'), type: 'text/javascript' },
  'desk.css': { file: () => join(projectRoot, 'app', 'review', 'assets', 'desk.css'), type: 'text/css' },
  'diff2html.min.css': { file: () => require.resolve('diff2html/bundles/css/diff2html.min.css'), type: 'text/css' },
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) throw new RangeError(`a request body over ${maxBody} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
}

async function respond(req: IncomingMessage, res: ServerResponse, handler: Handler, opts: DeskServerOptions) {
  const port = (res.socket?.localPort ?? opts.port) as number;
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const send = (r: Reply) =>
    res.writeHead(r.status, { ...security, 'content-type': types[r.type], ...r.headers }).end(r.body);
  const why = refusal(req, url, opts, port);
  if (why) return send(reply(403, 'text', `403 forbidden: ${why}\n`));
  if (opts.token && req.method === 'GET' && url.searchParams.has('token')) {
    // the token leaves the address bar (and history) at once; the cookie carries it from here on
    url.searchParams.delete('token');
    return res
      .writeHead(303, {
        ...security,
        location: url.pathname + url.search,
        'set-cookie': `${cookieName}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
      })
      .end();
  }
  const asset = url.pathname.match(/(?:^|\/)assets\/([\w.-]+)$/)?.[1];
  if (req.method === 'GET' && asset && assets[asset]) {
    const a = assets[asset];
    return res.writeHead(200, { ...security, 'content-type': a.type }).end(await readFile(a.file()));
  }
  let body: unknown;
  if (req.method === 'POST') {
    try {
      body = await readBody(req);
    } catch (err) {
      return send(reply(400, 'json', { accepted: false, why: `not a JSON body: ${(err as Error).message}` }));
    }
  } else if (req.method !== 'GET') return send(reply(405, 'text', 'method not allowed\n'));
  const r = await handler({ method: req.method, url, ...(body !== undefined ? { body } : {}) });
  send(r ?? reply(404, 'text', 'not found\n'));
}

/** Starts the server; `url` is what a reviewer opens (with the token, when there is one). */
export async function startDeskServer(handler: Handler, opts: DeskServerOptions): Promise<DeskServer> {
  const server = createServer((req, res) => {
    respond(req, res, handler, opts).catch((err: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { ...security, 'content-type': types.text })
          .end(`500: ${(err as Error).message ?? String(err)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/${opts.token ? `?token=${opts.token}` : ''}`,
    port,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
