import type { Mode } from '../../src/config/config';
import { startTestServer, type TestServer } from './server';

/**
 * The test matrix: the protocol suites run once per mode, against the real services (Redis, MySQL)
 * and against the embedded single-instance mode (memory + an SQLite file of its own).
 */
export const MODES = ['services', 'embedded'] as const satisfies readonly Mode[];

export interface ModeContext {
  mode: Mode;
  /** Starts a test server in this mode; `close()` it when done. */
  start: (overrides?: Record<string, string>) => Promise<TestServer>;
}

/** `describe` once per mode; `fn` declares the same tests for each. */
export function describeEachMode(title: string, fn: (ctx: ModeContext) => void): void {
  describe.each(MODES)(`${title} [%s mode]`, (mode) => {
    fn({ mode, start: (overrides) => startTestServer(overrides, undefined, mode) });
  });
}
