import { isName, teamId } from '../names/scope.js';
import type { ContinuedReview, CycleInput, CycleState } from './types.js';
import { scoreText, spendText } from './format.js';
import { isPersonName, isSha256, shortId } from '../names/ids.js';

/**
 * Checks a cycle's input: names and a hash, nothing else. Pure (the workflow calls it); never throws, and
 * the reason names the field, not its value.
 */
export function parseCycleInput(raw: unknown): { ok: true; input: CycleInput } | { ok: false; why: string } {
  const no = (why: string) => ({ ok: false as const, why });
  if (typeof raw !== 'object' || raw === null) return no('expected an object');
  const i = raw as Record<string, unknown>;
  if (!isName(i.fleet)) return no('fleet is not a fleet name');
  if (!isName(i.agent) && i.agent !== teamId) return no('agent is not an agent id');
  if (i.configHash !== undefined && !isSha256(i.configHash)) return no('configHash is not a sha256');
  if (typeof i.trigger !== 'string' || i.trigger.length > 200)
    return no('trigger must be text of at most 200 characters');
  if (i.now !== undefined && typeof i.now !== 'boolean') return no('now must be true or false');
  if (i.continued !== undefined && !isContinued(i.continued))
    return no('continued is not a review carried on by the cycle itself');
  const known = ['fleet', 'agent', 'configHash', 'trigger', 'now', 'continued'];
  const extra = Object.keys(i).filter((k) => !known.includes(k));
  if (extra.length > 0) return no(`unknown field ${JSON.stringify(extra[0]!.slice(0, 40))}`);
  return {
    ok: true,
    input: {
      fleet: i.fleet,
      agent: i.agent as string,
      ...(i.configHash ? { configHash: i.configHash as string } : {}),
      trigger: i.trigger,
      ...(i.now === true ? { now: true } : {}),
      ...(i.continued !== undefined ? { continued: i.continued as ContinuedReview } : {}),
    },
  };
}

/**
 * The shape of a carried review. What it says is trusted only once a worker has checked, from Temporal's own
 * record, that this run continues the run the carried reference was sealed for (`continueCycle`).
 */
function isContinued(v: unknown): boolean {
  const o = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!o(v) || !o(v.ref) || !o(v.settings) || !o(v.agentState) || !o(v.state) || !o(v.review) || !o(v.story))
    return false;
  return typeof v.seq === 'number' && Number.isInteger(v.seq) && (v.head === null || typeof v.head === 'string');
}

/** What the Temporal UI shows as a cycle's current details: readable without opening logs. */
export function cycleDetails(s: CycleState): string {
  const lines = [
    `**${s.fleet}/${s.agentId}** · ${s.mode}${s.mode === 'hybrid' ? ` (now ${s.effectiveMode})` : ''} · stage **${s.stage}**`,
  ];
  if (s.baseline !== undefined) lines.push(scoreText(s, 'post '));
  if (s.changeSetId)
    lines.push(
      `change set ${shortId(s.changeSetId)}: ${Object.entries(s.summary ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  if (s.usage) lines.push(`model spend: ${spendText(s)}`);
  if (s.waitingFor) lines.push(`waiting for ${s.waitingFor}${s.reviewDeadline ? ` until ${s.reviewDeadline}` : ''}`);
  if (s.ignored.count > 0) lines.push(`${s.ignored.count} decision(s) refused or ignored`);
  if (s.outcome) lines.push(`outcome **${s.outcome}**: ${s.reason ?? ''}`);
  return lines.join('\n\n');
}

/** A record written outside a cycle, through the agent's workflow: what it may be. */
export interface OperatorRecord {
  /** Only what an operator's command records: a redaction of older snapshots, an agent resumed after a pause. */
  event: 'redacted' | 'agent-resumed';
  /** Who ran it, as they named themselves. */
  actor: string;
  data: Record<string, unknown>;
}

const maxRecordBytes = 256 * 1024;

/**
 * Checks a record an operator's command asks the agent's workflow to append (anyone with namespace access
 * could ask): a known event, a plain name, data of JSON primitives, lists and objects, bounded in size.
 */
export function parseOperatorRecord(raw: unknown): { ok: true; record: OperatorRecord } | { ok: false; why: string } {
  const no = (why: string) => ({ ok: false as const, why });
  if (typeof raw !== 'object' || raw === null) return no('expected an object');
  const r = raw as Record<string, unknown>;
  if (r.event !== 'redacted' && r.event !== 'agent-resumed') return no('event must be "redacted" or "agent-resumed"');
  if (!isPersonName(r.actor)) return no('actor is not a name');
  if (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data)) return no('data must be an object');
  const size = JSON.stringify(r.data).length;
  if (size > maxRecordBytes) return no(`data is ${size} bytes; at most ${maxRecordBytes}`);
  return { ok: true, record: { event: r.event, actor: r.actor, data: r.data as Record<string, unknown> } };
}
