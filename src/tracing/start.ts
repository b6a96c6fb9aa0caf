import * as api from '@opentelemetry/api';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { TracingConfig } from '../config/config';
import { defaultSampling } from './sampler';
import { activateTracing, deactivateTracing } from './tracing';

/**
 * Starts the OpenTelemetry SDK. Loaded only when tracing is on (register.ts requires it lazily),
 * so with no endpoint set none of these packages is ever loaded.
 */
export interface StartOptions {
  config: TracingConfig;
  /** Where spans go; default: the OTLP exporter the standard OTEL_EXPORTER_OTLP_* variables describe. */
  spanProcessors?: SpanProcessor[];
  /**
   * Patch http, ioredis, mysql2 and amqplib (default). They patch `require`, so they must start
   * before those modules load: register.ts runs first in main.ts.
   */
  instrument?: boolean;
}

export interface RunningTracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(options: StartOptions): RunningTracing {
  const { config } = options;
  // OTEL_TRACES_SAMPLER (and _ARG) set: the SDK builds that sampler from them, and decides alone.
  const ours = config.sampler ? undefined : defaultSampling(config.moveRatio);
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    sampler: ours?.sampler,
    spanProcessors: options.spanProcessors,
    // Traces only: metrics are Prometheus' (/metrics), logs go to stdout with the trace ids.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations:
      options.instrument === false
        ? []
        : [
            new HttpInstrumentation({
              // Probes and scrapes every few seconds would bury the requests worth seeing.
              ignoreIncomingRequestHook: (req) => /^\/(health|metrics)\b/.test(req.url ?? ''),
            }),
            // Redis and MySQL calls are traced as steps of a request, not on their own (the lease
            // heartbeat and the reaper would make a trace every second).
            new IORedisInstrumentation({ requireParentSpan: true }),
            new MySQL2Instrumentation(),
            new AmqplibInstrumentation(),
          ],
  });
  sdk.start();
  activateTracing(api, api.trace.getTracer('myroom'), ours?.dropsRoot);
  return {
    shutdown: async () => {
      deactivateTracing();
      await sdk.shutdown();
    },
  };
}
