import { defineConfig } from 'vitest/config';

/** End-to-end tests: the real built server and client, driven in Debian's Chromium by playwright-core. */
export default defineConfig({
  test: {
    // Projects run one after another (shared, client, server, e2e) so the browsers never compete with the server tests.
    sequence: { groupOrder: 3 },
    name: 'e2e',
    root: import.meta.dirname,
    include: ['e2e/**/*.test.ts'],
    // Names the template data directory startApp copies instead of a first start (e2e/harness.ts).
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    // Servers started by tests (in process or spawned) sign in by password alone, unless a test asks for the
    // production policy (second factor required for specialists, radiologists and admins): see auth/mfa tests.
    env: { MFA_REQUIRED_ROLES: '' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Browsers are heavy; one file at a time on 2 cores.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
