import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Projects run one after another (shared, client, server, e2e) so the browsers never compete with the server tests.
    sequence: { groupOrder: 0 },
    name: 'shared',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own databases; two workers suit the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
