import { createServer } from 'node:http';

export interface OtlpSink {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  url: string;
  /** Exports taken and their bytes so far. */
  stats(): { exports: number; bytes: number };
  close(): Promise<void>;
}

/**
 * A local stand-in for a trace collector, for the traced My Room target: it takes OTLP/HTTP
 * exports (POST /v1/traces), counts them and answers 200, so the server pays the full cost of
 * making, batching, encoding and sending its spans, and nothing of a real collector's work lands on
 * the measured processes.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ exports, bytes }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
