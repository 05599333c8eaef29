/** Verify the audit hash chain: exit 0 when intact; exit 1 naming EVERY bad row (and a deleted tail) otherwise. */
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { verifyAuditChain } from '../audit/service';
import { loadCheckpointKey, useCheckpointKey } from '../audit/checkpoint';
import { useSecretsKey } from '../secrets/seal';

async function main() {
  const config = loadConfig();
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    useSecretsKey(config.secretsKey);
    useCheckpointKey(await loadCheckpointKey(dbh.db, config));
    const res = await verifyAuditChain(dbh.db);
    if (res.ok) {
      console.log(`audit chain intact: ${res.checked} events verified`);
    } else {
      console.error(`audit chain BROKEN: ${res.problemCount} problem(s) in ${res.checked} events`);
      for (const p of res.problems)
        console.error(`  ${p.seq === null ? 'chain' : `seq ${p.seq}`}: ${p.reason}`);
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
