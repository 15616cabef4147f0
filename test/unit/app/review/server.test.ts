import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken, reply, startDeskServer, type DeskServer } from '../../../../app/review/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so the test can name any Host and Origin a browser (or another page) would send. */
function send(port: number, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let server: DeskServer;
const token = newToken();
const posted: unknown[] = [];
beforeAll(async () => {
  server = await startDeskServer(
    async (req) => {
      if (req.method === 'POST') posted.push(req.body);
      return req.url.pathname === '/' || req.method === 'POST' ? reply(200, 'text', 'the page') : undefined;
    },
    { host: '127.0.0.1', port: 0, token },
  );
});
afterAll(async () => server?.close());

const cookie = `dreamgate_desk=${token}`;

describe('the review desk server', () => {
  it('listens on loopback at a free port and prints the one-time token in its URL', () => {
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
  });

  it('answers 403 without the token, with a wrong one, or to a request naming another port or host', async () => {
    const p = server.port;
    expect((await send(p, '/')).status).toBe(403);
    expect((await send(p, '/?token=wrong')).status).toBe(403);
    expect((await send(p, '/', { cookie: 'dreamgate_desk=wrong' })).status).toBe(403);
    expect((await send(p, `/?token=${token}`, { host: `127.0.0.1:${p + 1}` })).status).toBe(403);
    expect((await send(p, '/', { cookie, host: `127.0.0.1:${p + 1}` })).status).toBe(403);
    expect((await send(p, '/', { cookie, host: `evil.example:${p}` })).status).toBe(403);
    expect((await send(p, '/assets/desk.js')).status).toBe(403);
  });

  it('trades the URL token for a same-site cookie, then serves the page and its assets with a strict policy', async () => {
    const first = await send(server.port, `/?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['set-cookie']?.[0]).toBe(`${cookie}; HttpOnly; SameSite=Strict; Path=/`);
    const page = await send(server.port, '/', { cookie });
    expect([page.status, page.body]).toEqual([200, 'the page']);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    const js = await send(server.port, '/assets/desk.js', { cookie });
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript']);
    expect((await send(server.port, '/assets/diff2html.min.css', { cookie })).body).toContain('.d2h-');
    expect((await send(server.port, '/nothing', { cookie })).status).toBe(404);
  });

  it('takes a decision only with the token in its header too, and only from its own page', async () => {
    const p = server.port;
    const body = JSON.stringify({ verdict: 'approve' });
    expect((await send(p, '/api/decide', { cookie }, body)).status).toBe(403);
    expect((await send(p, '/api/decide', { cookie, 'x-desk-token': 'wrong' }, body)).status).toBe(403);
    const foreign = { cookie, 'x-desk-token': token, origin: `http://127.0.0.1:${p + 1}` };
    expect((await send(p, '/api/decide', foreign, body)).status).toBe(403);
    expect(posted).toEqual([]);
    const own = { cookie, 'x-desk-token': token, origin: `http://127.0.0.1:${p}` };
    expect((await send(p, '/api/decide', own, body)).status).toBe(200);
    expect(posted).toEqual([{ verdict: 'approve' }]);
    expect((await send(p, '/api/decide', own, '{not json')).status).toBe(400);
  });
});
