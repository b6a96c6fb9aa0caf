import type { Readable } from 'node:stream';

/**
 * Calls `onValue` with each JSON value a child process writes to `stream`, one per line (pino
 * logs, the terminal client's frames); blank lines are skipped. `afterChunk` runs after each chunk.
 */
export function readJsonLines<T>(stream: Readable, onValue: (value: T) => void, afterChunk?: () => void): void {
  let buffered = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const raw = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (raw.trim()) onValue(JSON.parse(raw) as T);
    }
    afterChunk?.();
  });
}
