/**
 * `pnpm --filter @consult/server reports:verify [reportId]`: verify every signed report (or one) against the
 * deployment key (REPORT_SIGNING_KEY or the deployment_keys row). Exit 0 when all verify; exit 1 naming each report/version that fails.
 */
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { loadOrCreateSigningKey } from './signing';
import { verifyStored } from './review';
import { loadTrust } from './timestamp/trust';
import { signedReportIds } from './queries';

async function main(): Promise<void> {
  const config = loadConfig();
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  const key = await loadOrCreateSigningKey(dbh.db, config, false);
  if (!key) {
    console.error(
      'no report signing key (REPORT_SIGNING_KEY or the database); nothing was ever signed by this deployment',
    );
    process.exitCode = 1;
    await dbh.close();
    return;
  }
  try {
    const trust = loadTrust(config.reportTrust.tsaCaCert);
    const only = process.argv[2];
    const ids = await signedReportIds(dbh.db, only);
    let bad = 0;
    let versions = 0;
    const stamps = { granted: 0, pending: 0, failed: 0, none: 0 };
    for (const id of ids) {
      const res = await verifyStored(
        dbh.db,
        { key, dataDir: config.dataDir, secretsKey: config.secretsKey, signers: config.signers, trust },
        id,
      );
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
