import type { WorkflowHandle } from '@temporalio/client';

type Event = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * Where a workflow's history events go, by what caused them: the workflow tasks between steps, remote
 * activities (scheduled, started, completed), local activities (one marker each), patches (a marker and a
 * search attribute each), search attributes and memo, messages (signals, updates, timers), children, and the
 * start and end.
 */
export function whereEventsGo(events: Event[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string) => (out[k] = (out[k] ?? 0) + 1);
  for (const e of events) {
    const marker = e.markerRecordedEventAttributes?.markerName;
    const sa = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    if (
      e.workflowTaskScheduledEventAttributes ||
      e.workflowTaskStartedEventAttributes ||
      e.workflowTaskCompletedEventAttributes
    )
      add('workflow tasks');
    else if (
      e.activityTaskScheduledEventAttributes ||
      e.activityTaskStartedEventAttributes ||
      e.activityTaskCompletedEventAttributes
    )
      add('remote activities');
    else if (marker === 'core_local_activity') add('local activities');
    else if (marker === 'core_patch' || 'TemporalChangeVersion' in sa) add('patches');
    else if (e.upsertWorkflowSearchAttributesEventAttributes) add('search attributes');
    else if (e.workflowPropertiesModifiedEventAttributes) add('memo');
    else if (e.workflowExecutionStartedEventAttributes || e.workflowExecutionCompletedEventAttributes)
      add('start and end');
    else if (
      e.startChildWorkflowExecutionInitiatedEventAttributes ||
      e.childWorkflowExecutionStartedEventAttributes ||
      e.childWorkflowExecutionCompletedEventAttributes
    )
      add('children');
    else add('messages and timers');
  }
  return out;
}

/** `workflow tasks 30 · remote activities 27 · …`, largest first. */
export const eventsLine = (where: Record<string, number>): string =>
  Object.entries(where)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
