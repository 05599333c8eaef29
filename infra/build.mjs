#!/usr/bin/env node
// `pnpm build`: the artefacts `pnpm start` serves, built once at install/build time instead of at every start.
//   client/dist/            Vite production build of the single-page app
//   server/dist/main.mjs    the server bundled by esbuild (our TypeScript + @consult/shared; every npm package
//                           stays external and loads from node_modules: mediasoup, pg, PGlite, codecs, ...)
//   server/dist/pdf-worker-entry.mjs   the report PDF worker thread (pdf-renderer.ts loads it next to main)
//   server/dist/initdb-process-entry.mjs   the embedded database's initdb process (db/embedded.ts, a first start)
//   server/dist/codes.tsv   the ICD-10 table read next to the bundle
// Each part is rebuilt only when missing or stale (a source file newer than the artefact); `--force` rebuilds both.
// `--check` prints what is stale and exits 1 if anything is (nothing is built).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const r = (...p) => path.join(root, ...p);
const args = new Set(process.argv.slice(2));
const force = args.has('--force');

/** Newest modification time (ms) of the files under the given paths (0 when none exist). */
function newest(paths) {
  let max = 0;
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (e !== 'node_modules' && e !== 'dist') walk(path.join(p, e));
    } else if (st.mtimeMs > max) max = st.mtimeMs;
  };
  paths.forEach(walk);
  return max;
}
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

const shared = [r('shared/src'), r('shared/package.json'), r('pnpm-lock.yaml')];
const parts = {
  client: {
    artefact: r('client/dist/index.html'),
    sources: [r('client/src'), r('client/index.html'), r('client/public'), r('client/package.json'),
      r('client/vite.config.ts'), ...shared],
    build: buildClient,
  },
  server: {
    artefact: r('server/dist/main.mjs'),
    sources: [r('server/src'), r('server/package.json'), r('infra/build.mjs'), ...shared],
    build: buildServer,
  },
};

function buildClient() {
  const res = spawnSync('pnpm', ['--filter', '@consult/client', 'build'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('client build failed');
}

async function buildServer() {
  const serverRequire = createRequire(r('server/package.json'));
  const { build } = await import(serverRequire.resolve('esbuild'));
  const pkg = (f) => JSON.parse(fs.readFileSync(r(f), 'utf8'));
  // Every npm dependency stays external; only the workspace contracts (TypeScript source) are bundled in.
  const external = [
    ...Object.keys(pkg('server/package.json').dependencies ?? {}),
    ...Object.keys(pkg('shared/package.json').dependencies ?? {}),
  ].filter((d) => !d.startsWith('@consult/'));
  const out = r('server/dist');
  fs.rmSync(out, { recursive: true, force: true });
  await build({
    absWorkingDir: r('server'),
    entryPoints: {
      main: 'src/main.ts',
      'pdf-worker-entry': 'src/reports/pdf-worker.ts',
      'initdb-process-entry': 'src/db/initdb-process.ts',
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Code our server imports lazily (`await import('./pdf')`: pdfkit and its fonts) becomes its own chunk, so its
    // npm imports load when first used rather than at start (the idle footprint, `pnpm bench startup`).
    splitting: true,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: true,
    external: [...external, ...external.map((d) => `${d}/*`)],
    // Bundled CommonJS (none today) would call require(); give it one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  // src/reports/icd10/index.ts reads codes.tsv next to itself, i.e. next to the bundle.
  fs.copyFileSync(r('server/src/reports/icd10/codes.tsv'), path.join(out, 'codes.tsv'));
}

let stale = false;
for (const [name, part] of Object.entries(parts)) {
  const built = mtime(part.artefact);
  const why = force ? 'forced' : !built ? 'missing' : newest(part.sources) > built ? 'stale' : null;
  if (!why) continue;
  stale = true;
  if (args.has('--check')) {
    console.log(`${name}: ${why}`);
    continue;
  }
  const t0 = performance.now();
  const started = new Date();
  console.log(`build ${name} (${why})...`);
  await part.build();
  // The artefact's time marks the build's start: a source edited while it ran counts as newer next time.
  fs.utimesSync(part.artefact, started, started);
  console.log(`build ${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
if (args.has('--check') && stale) process.exit(1);
