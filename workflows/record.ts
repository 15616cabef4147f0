import { ApplicationFailure, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { parseOperatorRecord } from '../src/cycle/input.js';
import type { RedactedBlob } from '../activities/redact.js';
import { steps } from './cycle/activities.js';
import { AgentLog, checkedInput } from './cycle/agentLog.js';
import { searchAttributes, stateQuery } from './definitions.js';

export interface RecordInput {
  fleet: string;
  agent: string;
  configHash?: string;
  /** The record: an event an operator's command writes (a redaction), who ran it, and what it did. */
  record: unknown;
}

/**
 * A record written outside a cycle (a redaction, an agent resumed), appended by the agent's own workflow: refused while a
 * cycle runs, and chained from the head Temporal keeps, so the audit chain never forks.
 */
export async function agentRecord(input: RecordInput): Promise<{ key: string; auditHead: string | null }> {
  const { record, ...cycleInput } = input;
  const run = new AgentLog(checkedInput({ ...cycleInput, trigger: 'operator record' }));
  const parsed = parseOperatorRecord(record);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`record input: ${parsed.why}`, 'InvalidInput');
  setHandler(stateQuery, () => run.state);
  await run.open();
  upsertSearchAttributes([{ key: searchAttributes.mode, value: parsed.record.event }]);
  try {
    // an agent resumed after a pause is narrative: who resumed it, nothing else
    if (parsed.record.event === 'agent-resumed') {
      const { key } = await run.record('agent-resumed', {}, parsed.record.actor);
      run.enter('done');
      await run.close();
      return { key, auditHead: run.state.auditHead };
    }
    // the worker checks that each new blob only takes text from the old one, and signs its markers
    const { blobs } = parsed.record.data as { blobs?: RedactedBlob[] };
    const redaction = await steps.verifyRedaction({ cycle: run.ref, blobs: blobs ?? [] });
    const { key } = await run.record(parsed.record.event, parsed.record.data, parsed.record.actor, { redaction });
    run.enter('done');
    await run.close();
    return { key, auditHead: run.state.auditHead };
  } catch (err) {
    await run.failed(err);
    throw err;
  }
}
