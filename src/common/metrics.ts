import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of this process, served at /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const framesReceived = new Counter({
  name: 'myroom_frames_received_total',
  help: 'Client frames received, by message type',
  labelNames: ['type'],
  registers: [metricsRegistry],
});
export const errorsSent = new Counter({
  name: 'myroom_errors_sent_total',
  help: 'Protocol error frames sent, by code',
  labelNames: ['code'],
  registers: [metricsRegistry],
});
export const openSessions = new Gauge({
  name: 'myroom_sessions',
  help: 'Open WebSocket sessions on this instance',
  registers: [metricsRegistry],
});
