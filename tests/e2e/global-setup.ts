/**
 * Runs once before the end-to-end tests: names this run's template data directory (harness.ts startApp), which the
 * first start that can use it makes, and removes it afterwards. Keyed by this run's pid.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = path.join(os.tmpdir(), `consult-e2e-template-${process.pid}`);
  process.env.CONSULT_E2E_TEMPLATE = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
