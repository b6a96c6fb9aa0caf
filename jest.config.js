// Unit tests sit beside the code (src, *.spec.ts); integration tests run on real services (test, *.test.ts);
// cluster tests (test/cluster) start several built servers and the gateway, so they build first.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }] };

module.exports = {
  // Per-project testTimeout is ignored by Jest; integration tests on real services need the room.
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
      transform,
      setupFilesAfterEnv: ['<rootDir>/test/support/exit-code-guard.ts'],
    },
    {
      displayName: 'cluster',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/cluster'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/build-once.ts',
      transform,
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
