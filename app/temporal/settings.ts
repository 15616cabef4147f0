import { temporalAddress, temporalUiUrl, type StackConfig } from '../../src/config/stack.js';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
}

/** The local stack's Temporal unless DREAMGATE_TEMPORAL_ADDRESS / _NAMESPACE / _UI_URL say otherwise. */
export function temporalSettings(cfg: StackConfig, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env.DREAMGATE_TEMPORAL_ADDRESS ?? temporalAddress(cfg),
    namespace: env.DREAMGATE_NAMESPACE ?? cfg.temporal.namespace,
    taskQueue: env.DREAMGATE_TASK_QUEUE ?? 'dreamgate',
    uiUrl: env.DREAMGATE_TEMPORAL_UI_URL ?? temporalUiUrl(cfg),
  };
}

export function workflowUrl(t: TemporalSettings, workflowId: string, runId?: string): string {
  const base = `${t.uiUrl}/namespaces/${encodeURIComponent(t.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
