import { createServer } from 'node:net';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { InvalidInput } from '../src/util/errors.js';
import { histogramBuckets } from '../workflows/metrics.js';

export interface ObservabilitySettings {
  /** host:port of the Prometheus endpoint (`/metrics`): the SDK's worker metrics and dreamgate's own. */
  metrics?: string;
  /** OpenTelemetry traces of workflows and activities, exported over OTLP/HTTP. */
  tracing: boolean;
}

/**
 * `--metrics` or DREAMGATE_METRICS_ADDRESS (off by default); DREAMGATE_TRACING=1 (or `--tracing`) turns
 * tracing on, sent where the standard OpenTelemetry variables say (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, default http://localhost:4318; OTEL_SERVICE_NAME).
 */
export function observabilitySettings(
  flags: { metrics?: string; tracing?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): ObservabilitySettings {
  const metrics = flags.metrics ?? (env.DREAMGATE_METRICS_ADDRESS || undefined);
  if (metrics !== undefined && !/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(metrics))
    throw new InvalidInput(
      `${flags.metrics !== undefined ? '--metrics' : 'DREAMGATE_METRICS_ADDRESS'}: "${metrics}" is not host:port (e.g. 127.0.0.1:9464, or 0.0.0.0:9464 for a scraper on another host)`,
    );
  const tracingVar = env.DREAMGATE_TRACING;
  if (tracingVar && !['0', '1', 'true', 'false'].includes(tracingVar))
    throw new InvalidInput(`DREAMGATE_TRACING: "${tracingVar}" is not 1 or 0`);
  return { ...(metrics ? { metrics } : {}), tracing: flags.tracing ?? (tracingVar === '1' || tracingVar === 'true') };
}

/** Fails with one line when the metrics port is taken, instead of the runtime's panic later. */
async function assertFree(address: string): Promise<void> {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(address)!;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new InvalidInput(
          `--metrics ${address}: ${err.code === 'EADDRINUSE' ? 'the port is in use (another worker on this host?)' : err.message}`,
        ),
      ),
    );
    probe.listen(Number(m[2]), m[1], () => probe.close(() => resolve()));
  });
}

/**
 * Installs the Temporal runtime of a worker process, once, before any connection: its logger and, when
 * asked, the Prometheus exporter. dreamgate's metrics go through the same runtime meter (the workflows'
 * `metricMeter`), so one scrape serves both; counters get the conventional `_total` suffix and durations
 * are in seconds.
 */
export async function installRuntime(
  s: ObservabilitySettings,
  logLevel: LogLevel = 'INFO',
): Promise<{ tracing?: Tracing }> {
  if (s.metrics) await assertFree(s.metrics);
  Runtime.install({
    logger: new DefaultLogger(logLevel),
    ...(s.metrics
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: s.metrics,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: histogramBuckets,
              },
            },
          },
        }
      : {}),
  });
  return s.tracing ? { tracing: startTracing() } : {};
}

export interface Tracing {
  plugin: OpenTelemetryPlugin;
  processor: SpanProcessor;
  /** Sends the spans still buffered. */
  shutdown(): Promise<void>;
}

/**
 * Temporal's OpenTelemetry interceptors (workflows, activities, child workflows), exported over OTLP/HTTP.
 * Workflow spans reach the processor through the plugin's sink; activity spans through a tracer provider
 * registered globally with the W3C trace-context propagator (which carries the trace from workflow to activity
 * in Temporal's headers) and an async-local-storage context manager (so spans nest within an activity).
 */
export function startTracing(serviceName = process.env.OTEL_SERVICE_NAME || 'dreamgate-worker'): Tracing {
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // the activity interceptor starts its span in the context extracted from the headers: that needs a context manager
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const plugin = new OpenTelemetryPlugin({
    resource,
    spanProcessor: processor,
    tracer: provider.getTracer('dreamgate'),
  });
  return { plugin, processor, shutdown: () => provider.shutdown() };
}
