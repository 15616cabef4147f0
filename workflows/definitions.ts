import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Decision } from '../src/cycle/decision.js';
import type { CycleState, DecisionResult, FleetProgress } from '../src/cycle/types.js';
import { agentSearchAttribute } from '../src/names/scope.js';

/**
 * The cycle's messages, defined once and imported by clients. A decision is an update, so the caller hears
 * at once whether it was accepted and why not; the signals of the same names stay (`temporal workflow signal
 * --name approve` keeps working) and pass through the same checks, but can only be recorded and ignored.
 */
export const approveUpdate = defineUpdate<DecisionResult, [Decision]>('approve');
export const rejectUpdate = defineUpdate<DecisionResult, [Decision]>('reject');
export const approveSignal = defineSignal<[Decision]>('approve');
export const rejectSignal = defineSignal<[Decision]>('reject');
export const stateQuery = defineQuery<CycleState>('state');

/** A fleet run's progress: done, running, waiting for review, failed, not started. */
export const fleetProgressQuery = defineQuery<FleetProgress>('progress');
/** A fleet run's child tells it that it waits for a reviewer: the run counts it and frees its lane. */
export const reviewOpenedSignal = defineSignal<[{ agent: string }]>('review-opened');

/** Search attributes, typed, shared by the workflows and the client. */
export const searchAttributes = {
  agent: defineSearchAttributeKey(agentSearchAttribute, 'KEYWORD'),
  mode: defineSearchAttributeKey('DreamMode', 'KEYWORD'),
  outcome: defineSearchAttributeKey('DreamOutcome', 'KEYWORD'),
  scoreDelta: defineSearchAttributeKey('DreamScoreDelta', 'DOUBLE'),
} as const;

/** Patch ids: histories written before each change replay through the code they were written by. */
export const patches = {
  /**
   * The worker resolves the configuration (v2). Deprecated: the version before it is retired, and every
   * history still open carries its marker; the call goes once no such history can be open.
   */
  workerAuthority: 'worker-authority',
  /** A dream that quarantined a session waits for a reviewer, even in automatic mode (onQuarantine). */
  quarantineReview: 'quarantine-review',
  /** An automatic cycle that promoted the applied tier tells the owners which suggestions it left. */
  suggestionsNotice: 'suggestions-notice',
  /**
   * Promotion merges the agent's writes since the snapshot; a conflict (the same lines edited) dreams again on
   * the new live store, and the review notes what the agent had changed when it opened.
   */
  conflictRedream: 'conflict-redream',
  /**
   * A cycle for fleets that scale: fewer history events (its short steps as local activities, the count of
   * new sessions beside the snapshot, verify beside its eval) and its fleet run told when it waits for review.
   */
  fleetScale: 'fleet-scale',
  /** A discard for the same failing cases as the previous cycle's pauses the fleet's schedule, owners told. */
  pauseOnRepeat: 'pause-repeated-discard',
  /** A review wait continues as new before its history grows large, so no flood of messages can end it. */
  reviewContinuesAsNew: 'review-continues-as-new',
  /**
   * Fewer history events again: the snapshot and the count of new sessions as one activity, and verify (the
   * live store checked against the promotion and scored) as one, each instead of two.
   */
  fewerEvents: 'fewer-events',
} as const;
