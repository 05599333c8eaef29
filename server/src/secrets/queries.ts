import type { Executor } from '../db/database';

export async function keyMaterial(db: Executor, name: string): Promise<string | null> {
  const row = await db
    .selectFrom('deployment_keys')
    .select('material')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.material ?? null;
}

/** Insert the key unless a node already did (the first insert wins; everyone then reads that one). */
export async function insertKeyIfAbsent(db: Executor, name: string, material: string): Promise<void> {
  await db
    .insertInto('deployment_keys')
    .values({ name, material })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** Replace a stored value by its sealed form, only if it is still the value that was read. */
export async function resealKey(db: Executor, name: string, from: string, to: string): Promise<void> {
  await db
    .updateTable('deployment_keys')
    .set({ material: to })
    .where('name', '=', name)
    .where('material', '=', from)
    .execute();
}
