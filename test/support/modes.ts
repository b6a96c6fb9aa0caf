import type { Mode } from '../../src/config/config';
import { startTestServer, type TestServer } from './server';

/**
 * The test matrix: every protocol-level test goes through `describeEachMode` and so runs once
 * against the real services (Redis, MySQL) and once against the embedded single-instance mode
 * (memory + an SQLite file of its own). Assertions that inspect MySQL or Redis directly live in
 * services-only tests (test/rooms/services-*.test.ts).
 */
export const MODES = ['services', 'embedded'] as const satisfies readonly Mode[];
export type ModeName = (typeof MODES)[number];

export interface ModeContext {
  mode: ModeName;
  /** The same as `mode`. */
  name: ModeName;
  /** Starts a test server in this mode (own database / state); `close()` it when done. */
  start: (overrides?: Record<string, string>) => Promise<TestServer>;
}
export type TestMode = ModeContext;

/** `describe` once per mode; `fn` declares the same tests for each. */
export function describeEachMode(title: string, fn: (ctx: ModeContext) => void): void {
  describe.each(MODES)(`${title} [%s mode]`, (mode) => {
    fn({ mode, name: mode, start: (overrides) => startTestServer(overrides, undefined, mode) });
  });
}
