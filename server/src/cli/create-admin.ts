/**
 * Create the first sys_admin on a production database:
 *   DATABASE_URL=postgres://... pnpm --filter @consult/server create-admin <username> "<display name>"
 * The password is read from ADMIN_PASSWORD or, interactively, from stdin.
 */
import crypto from 'node:crypto';
import readline from 'node:readline/promises';
import { loadConfig } from '../config';
import { migrateToLatest, openDatabase } from '../db/connect';
import { hashPassword } from '../auth/password';
import { findUserByUsername } from '../auth/queries';
import { checkNewPassword } from '../auth/password-policy';
import { recordAudit } from '../audit/service';
import { loadCheckpointKey, useCheckpointKey } from '../audit/checkpoint';
import { insertUser } from '../network/queries';
import { useSecretsKey } from '../secrets/seal';
import { USERNAME_PATTERN } from '@consult/shared';

async function main() {
  const [username, displayName = 'System Administrator'] = process.argv.slice(2);
  if (!username || !new RegExp(USERNAME_PATTERN).test(username)) {
    console.error(
      'usage: create-admin <username> ["display name"]  (username: lower-case letters, digits . _ -, 3-64)',
    );
    process.exit(2);
  }
  let password = process.env.ADMIN_PASSWORD ?? '';
  if (!password) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    password = (await rl.question('Password (min PASSWORD_MIN_LENGTH characters, default 12): ')).trim();
    rl.close();
  }
  const config = loadConfig();
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    await migrateToLatest(dbh.db);
    useSecretsKey(config.secretsKey);
    useCheckpointKey(await loadCheckpointKey(dbh.db, config));
    const exists = await findUserByUsername(dbh.db, username);
    if (exists) {
      console.error(`user "${username}" already exists`);
      process.exitCode = 1;
      return;
    }
    const id = crypto.randomUUID();
    try {
      await checkNewPassword(dbh.db, config.security, { id, username }, password);
    } catch (e) {
      console.error((e as Error).message);
      process.exitCode = 2;
      return;
    }
    const password_hash = await hashPassword(password);
    await dbh.db.transaction().execute(async (trx) => {
      await insertUser(trx, {
        id,
        username,
        display_name: displayName,
        role: 'sys_admin',
        hospital_id: null,
        department_id: null,
        locale: 'en',
        password_hash,
      });
      await recordAudit(trx, {
        actor: null,
        action: 'user.create_admin_cli',
        entityType: 'user',
        entityId: id,
      });
    });
    console.log(`created sys_admin "${username}" (${id})`);
  } finally {
    await dbh.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
