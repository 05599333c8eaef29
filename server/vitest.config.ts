import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Projects run one after another (shared, client, server, e2e) so the browsers never compete with the server tests.
    sequence: { groupOrder: 2 },
    name: 'server',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // Servers started by tests (in process or spawned) sign in by password alone, unless a test asks for the
    // production policy (second factor required for specialists, radiologists and admins): see auth/mfa tests.
    env: { MFA_REQUIRED_ROLES: '' },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['src/testing/global-setup.ts'],
    // Each file gets its own databases; two workers suit the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    // A worker runs its files one after another in one module graph instead of importing the server afresh for
    // each (the whole project: 589 against 661 s on a 2-core host). Each file brings its own databases, servers and
    // data dirs; the process-wide counters tests read (ingestBatchStats, sourceStats, cache stats…) are read as
    // differences, and the test seams they set (ingestHooks, headerStats.headBytes) are put back after each test.
    isolate: false,
  },
});
