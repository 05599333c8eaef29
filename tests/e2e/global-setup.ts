/**
 * Runs once before the end-to-end tests: builds the client and the server bundle when stale (infra/build.mjs, a
 * fraction of a second when nothing changed; `pnpm test` has already run it), so a test file run on its own never
 * tests yesterday's build; and names this run's template data directory (harness.ts startApp), which the first
 * start that can use it makes, and removes it afterwards. Keyed by this run's pid.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = path.resolve(import.meta.dirname, '../..');
  const build = spawnSync(process.execPath, [path.join(root, 'infra/build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0)
    throw new Error('infra/build.mjs failed: the end-to-end tests need the built client and server');
  const dir = path.join(os.tmpdir(), `consult-e2e-template-${process.pid}`);
  process.env.CONSULT_E2E_TEMPLATE = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
