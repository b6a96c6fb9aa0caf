import { startTestServer, type TestServer } from './server';

/**
 * The deployment modes the protocol suite runs against. Every protocol-level test goes through
 * `describeEachMode`, so a new mode (e.g. 'embedded': in-memory state + SQLite) only has to be
 * added here, with its `start`. Assertions that inspect MySQL or Redis directly live in
 * services-only tests (test/rooms/services-*.test.ts).
 */
export const MODES = ['services'] as const;
export type ModeName = (typeof MODES)[number];

export interface TestMode {
  name: ModeName;
  /** Starts a test server of this mode (own database / state); `close()` it when done. */
  start(overrides?: Record<string, string>): Promise<TestServer>;
}

const starters: Record<ModeName, TestMode['start']> = {
  services: (overrides = {}) => startTestServer(overrides),
};

export function describeEachMode(title: string, fn: (mode: TestMode) => void): void {
  for (const name of MODES) {
    describe(`${title} [${name}]`, () => fn({ name, start: starters[name] }));
  }
}
