// Lint rules that catch realtime bugs: promises nobody awaits or handles, async callbacks where
// a sync one is expected, switches that forget a message type, focused tests.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-restricted-properties': ['error',
        { object: 'it', property: 'only', message: 'no focused tests' },
        { object: 'describe', property: 'only', message: 'no focused tests' },
        { object: 'it', property: 'skip', message: 'no skipped tests' },
        { object: 'describe', property: 'skip', message: 'no skipped tests' }],
    },
  },
  {
    // The Redis client is an adapter's detail: only the Redis adapters and the composition root see it.
    files: ['src/**/*.ts'],
    ignores: ['src/state/redis/**', 'src/infra.module.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'ioredis', message: 'ioredis belongs in src/state/redis/ (or the composition root); go through a port' }] }],
    },
  },
  {
    // The domain's rules are pure and stand alone: no I/O, nothing else of the project.
    files: ['src/domain/**/*.ts'],
    ignores: ['src/domain/**/*.spec.ts'],
    rules: {
      // Listed after the ioredis rule, which this one replaces for these files (it forbids more).
      'no-restricted-imports': ['error', { paths: ['ioredis'], patterns: [
        { regex: '^\\.\\./', message: 'src/domain imports nothing outside src/domain' },
        { regex: '^(node:)?(fs|net|http|https|child_process|crypto)(/|$)', message: 'src/domain does no I/O' },
      ] }],
    },
  },
);
