#!/usr/bin/env node
// `pnpm bench`: runs every tests/bench/*.bench.ts (each prints its figures and a ratio against a named baseline
// measured in the same run), one after another, on this machine. Pass names to run a subset: `pnpm bench sync`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f)], { stdio: 'inherit', cwd: path.resolve(dir, '../../server') });
  if (r.status !== 0) {
    failed++;
    console.log(`${f} failed (exit ${r.status})`);
  }
}
console.log(`\nbenchmarks: ${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
