/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON the tests inspect freely */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A local HTTP server that speaks the parts of the Claude API dreamgate uses — Messages (with token
 * counting and batches), and the Managed Agents memory stores, sessions and dreams — so tests run the real
 * `@anthropic-ai/sdk` against it. Responses follow the API's recorded shapes, headers and error bodies.
 * The model's side is scripted per test: `respond` decides what each Messages request gets.
 */

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  aborted: boolean;
  /** When it arrived (ms since epoch). */
  at: number;
}

export type Reply =
  | { toolInput: unknown; toolName?: string; usage?: Partial<Usage> }
  | { error: { status: number; type: string; message: string; headers?: Record<string, string> } }
  /** Never answers: for cancellation tests. */
  | { hang: true };

interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

interface Memory {
  id: string;
  path: string;
  content: string;
  sha: string;
  version: number;
  created_at: string;
  updated_at: string;
}

interface Store {
  id: string;
  name: string;
  archived_at: string | null;
  memories: Map<string, Memory>;
}

export interface ManagedSession {
  id: string;
  agentId: string;
  status: 'idle' | 'terminated' | 'running';
  created_at: string;
  updated_at: string;
  events: Record<string, unknown>[];
}

export interface DreamScript {
  /** Polls that answer `running` before the dream completes. */
  polls?: number;
  /** The output store's files, from the input store's; throw or return 'failed' to fail the dream. */
  transform: (files: Record<string, string>, sessionIds: string[]) => Record<string, string> | 'failed';
  /** Called when the dream completes, before its output is visible (e.g. for a concurrent live write). */
  onComplete?: () => void;
}

/** A proposed `create` as the model's `propose_changes` call carries it. */
export const created = (path: string, after: string, reason = 'insight', detail = 'd') => ({
  op: 'create',
  path,
  after,
  reason,
  detail,
  evidence: [],
});

export interface ClaudeApi {
  url: string;
  requests: Recorded[];
  /** Messages requests only. */
  messages(): Recorded[];
  respond: (body: any, n: number) => Reply;
  /** Runs before each request is handled (e.g. an agent's write racing a promotion). */
  beforeHandle: (rec: Recorded) => void;
  dreamScript: DreamScript;
  stores: Map<string, Store>;
  sessions: ManagedSession[];
  dreams: Map<string, any>;
  createStore(name: string, files: Record<string, string>): string;
  storeFiles(id: string): Record<string, string>;
  /** Writes one memory as an agent would, during a dream. */
  agentWrite(storeId: string, path: string, content: string): void;
  close(): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const now = () => new Date().toISOString();
const id = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
  res.end(JSON.stringify(body));
}
function apiError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) {
  send(res, status, { type: 'error', error: { type, message }, request_id: id('req') }, headers);
}

export async function startClaudeApi(): Promise<ClaudeApi> {
  const requests: Recorded[] = [];
  const stores = new Map<string, Store>();
  const dreams = new Map<string, any>();
  const batches = new Map<string, { batch: any; results: string[]; polls: number }>();
  let messageCount = 0;

  const api: ClaudeApi = {
    url: '',
    requests,
    messages: () => requests.filter((r) => r.path === '/v1/messages'),
    respond: () => ({ toolInput: { changes: [] } }),
    beforeHandle: () => {},
    dreamScript: { transform: (f) => f },
    stores,
    sessions: [],
    dreams,
    createStore(name, files) {
      const sid = id('memstore');
      const s: Store = { id: sid, name, archived_at: null, memories: new Map() };
      stores.set(sid, s);
      for (const [path, content] of Object.entries(files)) putMemory(s, path, content);
      return sid;
    },
    storeFiles(sid) {
      const s = stores.get(sid)!;
      return Object.fromEntries([...s.memories.values()].map((m) => [m.path, m.content]));
    },
    agentWrite(sid, path, content) {
      const s = stores.get(sid)!;
      const existing = [...s.memories.values()].find((m) => m.path === path);
      if (existing) updateMemory(existing, content);
      else putMemory(s, path, content);
    },
    // hung requests (cancellation tests) hold their sockets: close them too
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };

  function putMemory(s: Store, path: string, content: string): Memory {
    const m: Memory = {
      id: id('mem'),
      path,
      content,
      sha: sha256(content),
      version: 1,
      created_at: now(),
      updated_at: now(),
    };
    s.memories.set(m.id, m);
    return m;
  }
  function updateMemory(m: Memory, content: string) {
    m.content = content;
    m.sha = sha256(content);
    m.version += 1;
    m.updated_at = now();
  }
  const memoryJson = (s: Store, m: Memory, full: boolean) => ({
    type: 'memory',
    id: m.id,
    memory_store_id: s.id,
    memory_version_id: `${m.id}_v${m.version}`,
    path: m.path,
    content_sha256: m.sha,
    content_size_bytes: Buffer.byteLength(m.content),
    created_at: m.created_at,
    updated_at: m.updated_at,
    ...(full ? { content: m.content } : {}),
  });
  const storeJson = (s: Store) => ({
    type: 'memory_store',
    id: s.id,
    name: s.name,
    description: '',
    metadata: {},
    archived_at: s.archived_at,
    created_at: now(),
    updated_at: now(),
  });

  function message(body: any, reply: Extract<Reply, { toolInput: unknown }>) {
    const input = Math.ceil(JSON.stringify(body.messages ?? '').length / 4);
    const cached = JSON.stringify(body).includes('"cache_control"');
    const usage: Usage = {
      input_tokens: input,
      output_tokens: Math.ceil(JSON.stringify(reply.toolInput).length / 4) + 20,
      cache_creation_input_tokens: cached ? 1200 : 0,
      cache_read_input_tokens: 0,
      ...reply.usage,
    };
    return {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [
        { type: 'text', text: 'Here are the proposed edits.' },
        {
          type: 'tool_use',
          id: id('toolu'),
          name: reply.toolName ?? body.tool_choice?.name ?? 'propose_changes',
          input: reply.toolInput,
        },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage,
    };
  }

  function advanceDream(d: any) {
    if (d.status === 'completed' || d.status === 'failed' || d.status === 'canceled') return;
    d._polls += 1;
    if (d._polls <= (api.dreamScript.polls ?? 1)) {
      d.status = 'running';
      return;
    }
    const input = d.inputs.find((i: any) => i.type === 'memory_store');
    const sessionIds = d.inputs.find((i: any) => i.type === 'sessions')?.session_ids ?? [];
    let out: Record<string, string> | 'failed';
    try {
      out = api.dreamScript.transform(api.storeFiles(input.memory_store_id), sessionIds);
    } catch {
      out = 'failed';
    }
    d.ended_at = now();
    if (out === 'failed') {
      d.status = 'failed';
      d.error = { type: 'dream_error', message: 'the dream could not complete' };
      return;
    }
    api.dreamScript.onComplete?.();
    const outId = api.createStore(`dream output ${d.id}`, out);
    d.outputs = [{ type: 'memory_store', memory_store_id: outId }];
    d.status = 'completed';
    d.usage = {
      input_tokens: 52_000,
      output_tokens: 7_400,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 31_000,
    };
  }
  const dreamJson = (d: any) => Object.fromEntries(Object.entries(d).filter(([k]) => !k.startsWith('_')));

  async function handle(req: IncomingMessage, res: ServerResponse, rec: Recorded) {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const q = url.searchParams;
    const body = rec.body;
    let m: RegExpExecArray | null;

    const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (key !== 'test-key') return apiError(res, 401, 'authentication_error', 'invalid x-api-key');

    if (req.method === 'POST' && p === '/v1/messages/count_tokens')
      return send(res, 200, {
        input_tokens: Math.ceil(JSON.stringify([body.system, body.tools, body.messages]).length / 4),
      });

    if (req.method === 'POST' && p === '/v1/messages') {
      const reply = api.respond(body, ++messageCount);
      if ('hang' in reply) return; // the client gives up or aborts
      if ('error' in reply)
        return apiError(res, reply.error.status, reply.error.type, reply.error.message, reply.error.headers);
      return send(res, 200, message(body, reply));
    }

    if (req.method === 'POST' && p === '/v1/messages/batches') {
      const bid = id('msgbatch');
      const results = (body.requests as any[]).map((r) => {
        const reply = api.respond(r.params, ++messageCount);
        const result =
          'toolInput' in reply
            ? { type: 'succeeded', message: message(r.params, reply) }
            : {
                type: 'errored',
                error: {
                  type: 'error',
                  error:
                    'error' in reply
                      ? { type: reply.error.type, message: reply.error.message }
                      : { type: 'api_error', message: 'no answer' },
                },
              };
        return JSON.stringify({ custom_id: r.custom_id, result });
      });
      const batch = {
        id: bid,
        type: 'message_batch',
        processing_status: 'in_progress',
        request_counts: { processing: results.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        created_at: now(),
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        ended_at: null,
        archived_at: null,
        cancel_initiated_at: null,
        results_url: null,
      };
      batches.set(bid, { batch, results, polls: 0 });
      return send(res, 200, batch);
    }
    if ((m = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(p)) && req.method === 'GET') {
      const b = batches.get(m[1]!);
      if (!b) return apiError(res, 404, 'not_found_error', `batch ${m[1]} not found`);
      if (m[2]) {
        res.writeHead(200, { 'content-type': 'application/binary' });
        return res.end(b.results.join('\n') + '\n');
      }
      b.polls += 1;
      if (b.polls >= 2 && b.batch.processing_status !== 'ended') {
        const ok = b.results.filter((r) => r.includes('"succeeded"')).length;
        Object.assign(b.batch, {
          processing_status: 'ended',
          ended_at: now(),
          request_counts: { processing: 0, succeeded: ok, errored: b.results.length - ok, canceled: 0, expired: 0 },
          results_url: `${api.url}/v1/messages/batches/${b.batch.id}/results`,
        });
      }
      return send(res, 200, b.batch);
    }

    // Managed Agents: memory stores
    if (req.method === 'POST' && p === '/v1/memory_stores')
      return send(res, 200, storeJson(stores.get(api.createStore(body.name, {}))!));
    if ((m = /^\/v1\/memory_stores\/([^/]+)\/archive$/.exec(p)) && req.method === 'POST') {
      const s = stores.get(m[1]!);
      if (!s) return apiError(res, 404, 'not_found_error', `memory store ${m[1]} not found`);
      s.archived_at = now();
      return send(res, 200, storeJson(s));
    }
    if ((m = /^\/v1\/memory_stores\/([^/]+)\/memories(?:\/([^/]+))?$/.exec(p))) {
      const s = stores.get(m[1]!);
      if (!s) return apiError(res, 404, 'not_found_error', `memory store ${m[1]} not found`);
      if (s.archived_at && req.method !== 'GET')
        return apiError(res, 400, 'invalid_request_error', 'memory store is archived');
      const full = q.get('view') === 'full';
      if (!m[2] && req.method === 'GET') {
        const all = [...s.memories.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
        const limit = Number(q.get('limit') ?? 20);
        const start = Number(q.get('page') ?? 0);
        const page = all.slice(start, start + limit);
        return send(res, 200, {
          data: page.map((x) => memoryJson(s, x, full)),
          next_page: start + limit < all.length ? String(start + limit) : null,
        });
      }
      if (!m[2] && req.method === 'POST') {
        if ([...s.memories.values()].some((x) => x.path === body.path))
          return apiError(res, 409, 'memory_path_conflict_error', `a memory exists at ${body.path}`);
        return send(res, 200, memoryJson(s, putMemory(s, body.path, body.content ?? ''), full));
      }
      const mem = s.memories.get(m[2]!);
      if (!mem) return apiError(res, 404, 'not_found_error', `memory ${m[2]} not found`);
      if (req.method === 'GET') return send(res, 200, memoryJson(s, mem, full));
      if (req.method === 'POST') {
        const pre = body.precondition?.content_sha256;
        if (pre !== undefined && pre !== mem.sha)
          return apiError(
            res,
            409,
            'memory_precondition_failed_error',
            `content_sha256 of ${mem.path} is ${mem.sha}, not ${pre}`,
          );
        if (typeof body.path === 'string') mem.path = body.path;
        if (typeof body.content === 'string') updateMemory(mem, body.content);
        return send(res, 200, memoryJson(s, mem, full));
      }
      if (req.method === 'DELETE') {
        const pre = q.get('expected_content_sha256');
        if (pre && pre !== mem.sha)
          return apiError(
            res,
            409,
            'memory_precondition_failed_error',
            `content_sha256 of ${mem.path} is ${mem.sha}, not ${pre}`,
          );
        s.memories.delete(mem.id);
        return send(res, 200, { type: 'memory_deleted', id: mem.id });
      }
    }

    // Managed Agents: sessions
    if (req.method === 'GET' && p === '/v1/sessions') {
      const agent = q.get('agent_id');
      const statuses = [...q.getAll('statuses[]'), ...q.getAll('statuses')];
      const list = api.sessions
        .filter((s) => !agent || s.agentId === agent)
        .filter((s) => statuses.length === 0 || statuses.includes(s.status))
        .map((s) => ({
          type: 'session',
          id: s.id,
          agent: { id: s.agentId, type: 'agent' },
          status: s.status,
          created_at: s.created_at,
          updated_at: s.updated_at,
          archived_at: null,
          metadata: {},
          title: null,
        }));
      return send(res, 200, { data: list, next_page: null, prev_page: null });
    }
    if ((m = /^\/v1\/sessions\/([^/]+)\/events$/.exec(p)) && req.method === 'GET') {
      const s = api.sessions.find((x) => x.id === m![1]);
      if (!s) return apiError(res, 404, 'not_found_error', `session ${m[1]} not found`);
      const limit = Number(q.get('limit') ?? 50);
      const start = Number(q.get('page') ?? 0);
      return send(res, 200, {
        data: s.events.slice(start, start + limit),
        next_page: start + limit < s.events.length ? String(start + limit) : null,
      });
    }

    // Managed Agents: dreams
    if (req.method === 'POST' && p === '/v1/dreams') {
      const input = (body.inputs as any[]).find((i) => i.type === 'memory_store');
      if (!input || !stores.has(input.memory_store_id))
        return apiError(
          res,
          400,
          'invalid_request_error',
          'inputs: a memory_store input naming an existing store is required',
        );
      const sessions = (body.inputs as any[]).find((i) => i.type === 'sessions')?.session_ids ?? [];
      if (sessions.length > 100) return apiError(res, 400, 'invalid_request_error', 'inputs.session_ids: at most 100');
      const d = {
        type: 'dream',
        id: id('dream'),
        status: 'pending',
        inputs: body.inputs,
        instructions: body.instructions ?? null,
        model: typeof body.model === 'string' ? { id: body.model } : body.model,
        output_behavior: body.output_behavior ?? { type: 'create_new' },
        outputs: [],
        error: null,
        session_id: null,
        created_at: now(),
        ended_at: null,
        archived_at: null,
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        _polls: 0,
      };
      dreams.set(d.id, d);
      return send(res, 200, dreamJson(d));
    }
    if ((m = /^\/v1\/dreams\/([^/]+)(\/archive|\/cancel)?$/.exec(p))) {
      const d = dreams.get(m[1]!);
      if (!d) return apiError(res, 404, 'not_found_error', `dream ${m[1]} not found`);
      if (m[2] === '/archive') d.archived_at = now();
      else if (m[2] === '/cancel') {
        if (d.status === 'pending' || d.status === 'running') Object.assign(d, { status: 'canceled', ended_at: now() });
      } else advanceDream(d);
      return send(res, 200, dreamJson(d));
    }

    apiError(res, 404, 'not_found_error', `no route ${req.method} ${p}`);
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
        aborted: false,
        at: Date.now(),
      };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      api.beforeHandle(rec);
      void handle(req, res, rec).catch((err: unknown) => apiError(res, 500, 'api_error', String(err)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return api;
}
