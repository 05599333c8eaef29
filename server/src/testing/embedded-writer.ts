/**
 * Commits rows to an embedded database in its own process, for the power-cut test (db/pglite-durable.test.ts): a
 * real process whose file system can be shut down under it, as a power cut would stop a machine. Opens the
 * embedded database in DATA_DIR, creates table `cut`, commits ROWS rows one transaction each, and prints
 * {"committed":n} after each commit has answered; then waits to be killed.
 */
import { sql } from 'kysely';
import { openDatabase } from '../db/connect';

const dbh = await openDatabase({ databaseUrl: null, schema: null, dataDir: process.env.DATA_DIR! });
await sql`create table cut (n int primary key, note text not null)`.execute(dbh.db);
const rows = Number(process.env.ROWS);
for (let n = 1; n <= rows; n++) {
  await sql`insert into cut values (${n}, ${`row ${n}`})`.execute(dbh.db);
  process.stdout.write(`${JSON.stringify({ committed: n })}\n`);
}
setInterval(() => undefined, 60_000); // alive until killed: nothing is closed or flushed on the way out
