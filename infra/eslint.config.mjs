// ESLint (flat config) for the whole workspace: `pnpm lint` runs `eslint --config infra/eslint.config.mjs .`
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tests/artifacts/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // routes -> service -> queries: SQL (a Kysely builder, a sql`` template, sql.*, CompiledQuery) is written only in
    // a capability's query files (<capability>/queries.ts, <topic>-queries.ts) and the database layer (db/), so each
    // statement has one home and a service reads as what it does. Test code may set up rows directly.
    files: ['server/src/**/*.ts'],
    ignores: [
      'server/src/**/queries.ts',
      'server/src/**/*-queries.ts',
      'server/src/db/**',
      'server/src/**/*.test.ts',
      'server/src/**/*.test-helper.ts',
      'server/src/testing/**',
      'server/src/**/testing.ts',
      'server/src/**/testkit.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto'].map((m) => ({
          selector: `CallExpression[callee.property.name='${m}']`,
          message: `SQL belongs in a query file (<capability>/queries.ts or <topic>-queries.ts): ${m} here`,
        })),
        {
          selector: "TaggedTemplateExpression[tag.name='sql'], MemberExpression[object.name='sql']",
          message: 'SQL belongs in a query file (<capability>/queries.ts or <topic>-queries.ts): sql here',
        },
        {
          selector: "MemberExpression[object.name='CompiledQuery']",
          message: 'SQL belongs in a query file (<capability>/queries.ts or <topic>-queries.ts): CompiledQuery here',
        },
      ],
    },
  },
  {
    // Migrations are frozen in time and written against Kysely<any> on purpose.
    files: ['server/src/db/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
