/** Verify the audit hash chain: exit 0 when intact; exit 1 naming the first bad row otherwise. */
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { verifyAuditChain } from '../audit/service';

async function main() {
  const config = loadConfig();
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    const res = await verifyAuditChain(dbh.db);
    if (res.ok) {
      console.log(`audit chain intact: ${res.checked} events verified`);
    } else {
      console.error(
        `audit chain BROKEN at seq ${res.firstBadSeq}: ${res.reason} (${res.checked} events verified before it)`,
      );
      process.exitCode = 1;
    }
  } finally {
    await dbh.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
