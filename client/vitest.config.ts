import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    // Projects run one after another (shared, client, server, e2e) so the browsers never compete with the server tests.
    sequence: { groupOrder: 1 },
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
