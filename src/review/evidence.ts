/**
 * The evidence behind a change set: each session event a change, a held line or a quarantine cites, quoted
 * for a reviewer with where its text came from. It is computed where the sessions are (the dream activity)
 * and stored beside the change set, so whoever serves the review page needs S3, not the transcripts.
 * Quotes come from session digests (already redacted and bounded), go through the review mask again, and are
 * cut short: the object stays small whatever the sessions held.
 */
import { z } from 'zod';
import type { ChangeSet, Evidence } from '../memory/changeSet.js';
import type { MemoryWrite, SessionDigest } from '../sessions/digest.js';
import { maskSecrets } from './mask.js';

/** Where a quoted text came from: the user's own words, the store before the sessions, the agent, or outside content. */
export const provenances = ['user', 'store', 'agent', 'outside'] as const;
export type Provenance = (typeof provenances)[number];

const quoteSchema = z
  .object({
    session_id: z.string(),
    event_id: z.string().optional(),
    /** When the event happened (ISO 8601). */
    at: z.string().optional(),
    provenance: z.enum(provenances),
    /** For outside content: the address it was fetched from. */
    url: z.string().optional(),
    /** What the event is: "the user said", "memory write to /notes/a.md", "tool call bash". */
    what: z.string(),
    text: z.string(),
  })
  .strict();
export type Quote = z.output<typeof quoteSchema>;

export const evidenceSchema = z
  .object({
    v: z.literal(1),
    /** By reference (`refKey`): changes citing the same event share one quote. */
    quotes: z.record(z.string(), quoteSchema),
    /** References no session read by the dream holds (a session since removed, an id a model made up). */
    missing: z.array(z.string()).default([]),
    /** More references than the object keeps: the rest are listed by id only. */
    truncated: z.boolean().default(false),
  })
  .strict();
export type EvidenceQuotes = z.output<typeof evidenceSchema>;

export const evidenceLimits = { quoteChars: 600, quotes: 5_000 } as const;

/** A session event as a change set cites it. */
export type EventRef = Pick<Evidence, 'session_id' | 'event_id'>;

export const refKey = (e: EventRef): string => `${e.session_id}#${e.event_id ?? ''}`;

/** SPEC §4's held lines, optional until every change set carries them. */
export interface HeldLine {
  session_id: string;
  event_id?: string;
  path?: string;
  line?: string;
  source?: string;
  reason?: string;
}

/** Every event a change set cites: its changes' evidence, its quarantines and its held lines, in order, once each. */
export function citedEvents(cs: ChangeSet & { held?: HeldLine[] }): EventRef[] {
  const seen = new Map<string, EventRef>();
  const add = (e: EventRef) => {
    if (!seen.has(refKey(e))) seen.set(refKey(e), e.event_id ? e : { session_id: e.session_id });
  };
  for (const c of cs.changes) c.evidence.forEach(add);
  for (const q of cs.quarantined) add(q);
  for (const h of cs.held ?? []) add(h);
  return [...seen.values()];
}

/** The address in a source such as "a web_fetch result (https://example.com/page)". */
export function urlIn(source: string): string | undefined {
  return /https?:\/\/[^\s)>\]"'`]+/.exec(source)?.[0];
}

/**
 * Where a memory write's text came from, as screening traced each of its lines (`origins`): outside content
 * (with its address) when any line came from there — that is what a reviewer must see — else the kind that
 * gave most of its lines; the agent's own writing when no line was traced.
 */
export function writeProvenance(w: Pick<MemoryWrite, 'origins'>): { provenance: Provenance; url?: string } {
  const origins = w.origins ?? [];
  const outside = origins.find((o) => o.kind === 'outside');
  if (outside) {
    const url = outside.source ? urlIn(outside.source) : undefined;
    return { provenance: 'outside', ...(url ? { url } : {}) };
  }
  const count = new Map<Provenance, number>();
  for (const o of origins) count.set(o.kind, (count.get(o.kind) ?? 0) + 1);
  const [top] = [...count].sort((a, b) => b[1] - a[1]);
  return { provenance: top?.[0] ?? 'agent' };
}

type Found = Omit<Quote, 'session_id' | 'event_id'>;
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : undefined);
const withAt = (q: Omit<Found, 'at'>, ms: number): Found => ({ ...q, ...(iso(ms) ? { at: iso(ms)! } : {}) });

/** The cited event in a session's digest, as a quote; undefined when the digest does not hold it. */
export function quoteFrom(d: SessionDigest, eventId: string | undefined): Found | undefined {
  if (!eventId) return withAt({ provenance: 'agent', what: 'the session', text: `${d.events} event(s)` }, d.startedAt);
  const inj = d.injection;
  if (inj?.eventId === eventId) {
    const url = urlIn(inj.source);
    return withAt({ provenance: 'outside', ...(url ? { url } : {}), what: inj.source, text: inj.context }, inj.at);
  }
  const said = d.userStatements.find((u) => u.eventId === eventId);
  if (said) return withAt({ provenance: 'user', what: 'the user said', text: said.text }, said.at);
  const writes = d.memoryWrites.filter((w) => w.eventId === eventId);
  if (writes.length > 0) {
    const text = writes
      .map((w) => [...w.replaced.map((l) => `- ${l}`), ...w.lines.map((l) => (w.replaced.length ? `+ ${l}` : l))])
      .flat()
      .join('\n');
    return withAt(
      { ...writeProvenance(writes[0]!), what: `memory write to ${writes.map((w) => w.path).join(', ')}`, text },
      writes[0]!.at,
    );
  }
  const call = d.toolCalls.find((t) => t.eventId === eventId);
  if (call)
    return withAt(
      {
        provenance: 'agent',
        what: call.name === 'session.error' ? 'session error' : `tool call ${call.name}`,
        text: [call.input, call.error ? `error: ${call.error}` : ''].filter(Boolean).join('\n'),
      },
      call.at,
    );
  const read = d.memoryReads.find((r) => r.eventId === eventId);
  if (read) return withAt({ provenance: 'agent', what: 'memory read', text: read.path }, read.at);
  return undefined;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Quotes every event `cs` cites from the sessions the dream read: masked, bounded, ready to store. */
export async function collectEvidence(
  cs: ChangeSet & { held?: HeldLine[] },
  sessions: readonly SessionDigest[],
): Promise<EvidenceQuotes> {
  const bySession = new Map(sessions.map((s) => [s.sessionId, s]));
  const refs = citedEvents(cs);
  const out: EvidenceQuotes = { v: 1, quotes: {}, missing: [], truncated: refs.length > evidenceLimits.quotes };
  for (const ref of refs.slice(0, evidenceLimits.quotes)) {
    const d = bySession.get(ref.session_id);
    const found = d && quoteFrom(d, ref.event_id);
    if (!found) {
      out.missing.push(refKey(ref));
      continue;
    }
    out.quotes[refKey(ref)] = {
      session_id: ref.session_id,
      ...(ref.event_id ? { event_id: ref.event_id } : {}),
      ...found,
      what: clip(await maskSecrets(found.what), 200),
      text: clip(await maskSecrets(found.text), evidenceLimits.quoteChars),
      ...(found.url ? { url: clip(await maskSecrets(found.url), 300) } : {}),
    };
  }
  return out;
}
