/**
 * Commits rows to an embedded database in its own process, for the power-cut tests (db/pglite-durable.test.ts): a
 * real process whose file system can be shut down under it, as a power cut or a failing disk would. Opens the
 * embedded database in DATA_DIR, creates table `cut`, commits ROWS rows one transaction each, printing
 * {"committed":n} after each commit has answered; then commits one row per number read on stdin, the same way
 * ({"failed":n} when a commit fails).
 * Nothing is closed or flushed on the way out: it runs until killed, or until the database stops it.
 */
import readline from 'node:readline';
import { sql } from 'kysely';
import { openDatabase } from '../db/connect';

const dbh = await openDatabase({ databaseUrl: null, schema: null, dataDir: process.env.DATA_DIR! });
await sql`create table cut (n int primary key, note text not null)`.execute(dbh.db);
const commit = async (n: number) => {
  await sql`insert into cut values (${n}, ${`row ${n}`})`.execute(dbh.db);
  process.stdout.write(`${JSON.stringify({ committed: n })}\n`);
};
for (let n = 1; n <= Number(process.env.ROWS); n++) await commit(n);
// A failed commit is answered and the next one tried, as a server answers one request 500 and serves the next.
for await (const line of readline.createInterface({ input: process.stdin }))
  await commit(Number(line)).catch((e: unknown) =>
    process.stdout.write(`${JSON.stringify({ failed: Number(line), error: String(e) })}\n`),
  );
