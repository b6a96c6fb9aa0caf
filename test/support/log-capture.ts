import { createLogger, type Logger } from '../../src/logging/logger';

export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/**
 * A server logger that keeps every line, as the JSON text pino wrote (to search it for what must
 * never be there) and parsed (to find lines by their fields). It goes through createLogger, so it
 * has the production logger's options (redaction included).
 */
export class LogCapture {
  readonly raw: string[] = [];
  readonly logger: Logger;
  private waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(level = 'info') {
    this.logger = createLogger(level, 'test-instance', false, {
      write: (chunk: string) => {
        for (const text of chunk.split('\n').filter((t) => t.trim())) this.add(text);
      },
    });
  }

  get lines(): LogLine[] {
    return this.raw.map((t) => JSON.parse(t) as LogLine);
  }

  /** Audit lines of one action. */
  audits(action: string): LogLine[] {
    return this.lines.filter((l) => l.audit === true && l.action === action);
  }

  /** The first line matching `pred`, logged so far or later. */
  next(pred: (l: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    const found = this.lines.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.pred !== pred);
        reject(new Error('timed out waiting for a log line'));
      }, timeoutMs);
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  private add(text: string): void {
    this.raw.push(text);
    const line = JSON.parse(text) as LogLine;
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(line)) return true;
      w.resolve(line);
      return false;
    });
  }
}
