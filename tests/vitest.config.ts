import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** One run over every package: `pnpm test` (tests/run-all.mjs) uses this. */
const root = path.resolve(import.meta.dirname, '..');
export default defineConfig({
  root,
  test: {
    projects: [
      'shared/vitest.config.ts',
      'server/vitest.config.ts',
      'client/vitest.config.ts',
      'tests/vitest.e2e.config.ts',
    ],
  },
});
