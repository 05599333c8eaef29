/**
 * `pnpm --filter @consult/server reports:verify [reportId]`: verify every signed report (or one) against the
 * deployment key in DATA_DIR/keys. Exit 0 when all verify; exit 1 naming each report/version that fails.
 */
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { loadSigningKey } from './signing';
import { verifyStored } from './review';
import { loadTrust } from './timestamp/trust';

async function main(): Promise<void> {
  const config = loadConfig();
  const key = loadSigningKey(config.dataDir);
  if (!key) {
    console.error(
      `no report signing key in ${config.dataDir}/keys; nothing was ever signed by this deployment`,
    );
    process.exitCode = 1;
    return;
  }
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    const trust = loadTrust(config.reportTrust.tsaCaCert);
    const only = process.argv[2];
    let q = dbh.db.selectFrom('reports').select('id').where('current_version', '>', 0);
    if (only) q = q.where('id', '=', only);
    const ids = (await q.orderBy('created_at').execute()).map((r) => r.id);
    let bad = 0;
    let versions = 0;
    const stamps = { granted: 0, pending: 0, failed: 0, none: 0 };
    for (const id of ids) {
      const res = await verifyStored(dbh.db, key, id, trust);
      versions += res.versions.length;
      for (const v of res.versions) if (v.timestamp) stamps[v.timestamp.status]++;
      for (const v of res.versions.filter((x) => !x.ok)) {
        bad++;
        console.error(`FAILED report ${id} version ${v.version}: ${v.reason}`);
      }
    }
    if (bad === 0)
      console.log(
        `reports verified: ${ids.length} reports, ${versions} signed versions, key ${key.fingerprint.slice(0, 16)}…\n` +
          `trusted time: ${stamps.granted} stamped and re-checked, ${stamps.pending} pending, ${stamps.failed} failed, ` +
          `${stamps.none} without a trusted timestamp`,
      );
    else process.exitCode = 1;
  } finally {
    await dbh.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
