#!/usr/bin/env node
// `pnpm test`: builds the client (the e2e tests serve it), runs every vitest project once, and ends with the
// plain summary line "tests: N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'tests/artifacts/vitest-results.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.rmSync(out, { force: true });

const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });

// The client (the e2e tests serve it) and the server bundle, each only when stale (infra/build.mjs).
const build = run('node', ['infra/build.mjs']);
if (build.status !== 0) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const extra = process.argv.slice(2);
const res = run('pnpm', [
  'exec', 'vitest', 'run', '--config', 'tests/vitest.config.ts',
  '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra,
]);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrors ?? 0);
  skipped = r.numPendingTests + r.numTodoTests;
  // A file that failed to load has no tests but must count as a failure.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} catch {
  failed = Math.max(failed, 1);
}
const code = res.status !== 0 || failed > 0 ? 1 : 0;
if (code !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
