// Unit tests sit beside the code (src, *.spec.ts); integration tests run on real services (test, *.test.ts).
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
      transform,
    },
  ],
};
