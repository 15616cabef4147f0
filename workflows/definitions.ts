import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ApproveSignal, CycleState, RejectSignal } from '../src/cycle/types.js';

/** Signals and queries of the dream cycle, defined once and imported by clients (`temporal workflow signal` works too). */
export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rejectSignal = defineSignal<[RejectSignal]>('reject');
export const stateQuery = defineQuery<CycleState>('state');

export const searchAttributes = {
  agent: 'DreamAgent',
  mode: 'DreamMode',
  outcome: 'DreamOutcome',
  scoreDelta: 'DreamScoreDelta',
} as const;
