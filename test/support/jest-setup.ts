import { Traffic } from '../cluster/traffic';

// Jest reads `testTimeout` only from the global config, not from a project entry; the
// integration tests talk to real services, so they get their longer timeout here.
jest.setTimeout(30_000);

// A cluster test that failed half-way may leave request loops running: stop them, so the run ends.
afterEach(() => Traffic.stopAll());
