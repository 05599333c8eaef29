/**
 * A process of its own that initialises a new embedded database on disk (PGlite's initdb) and exits (embedded.ts
 * `initialiseApart`). initdb grows the WebAssembly memory of the PGlite instance that runs it by ~160 MB, which
 * WebAssembly never gives back, and the C heap by ~50 MB, which the C allocator keeps; only a process that ends gives
 * both back (a worker thread ends with its allocator arenas still resident). A first start then idles at what every
 * later start holds (`pnpm bench startup`).
 */
import { PGlite } from '@electric-sql/pglite';
import { DurableNodeFS } from './pglite-durable';

export interface InitdbJob {
  dir: string;
  startParams: string[];
}

const { dir, startParams } = JSON.parse(process.argv[2]!) as InitdbJob;
try {
  const pglite = new PGlite({ fs: new DurableNodeFS(dir), startParams });
  await pglite.waitReady;
  await pglite.close();
  process.exit(0);
} catch (e) {
  // One line, for the error the server's start fails with (embedded.ts).
  process.stderr.write(`\n${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
