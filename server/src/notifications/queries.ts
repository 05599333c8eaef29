import type { Executor } from '../db/database';

/**
 * What a notification is about, in words the inbox can show without another request: the patient of a
 * consultation, the title of a round. Unknown entity types (or rows already gone) add nothing.
 */
export async function subjectOf(
  db: Executor,
  entityType: string,
  entityId: string,
): Promise<Record<string, string>> {
  if (!/^[0-9a-f-]{36}$/i.test(entityId)) return {};
  if (entityType === 'consultation') {
    const r = await db
      .selectFrom('consultations as c')
      .innerJoin('patients as p', 'p.id', 'c.patient_id')
      .select('p.name')
      .where('c.id', '=', entityId)
      .executeTakeFirst();
    return r ? { patientName: r.name } : {};
  }
  if (entityType === 'round') {
    const r = await db.selectFrom('rounds').select('title').where('id', '=', entityId).executeTakeFirst();
    return r ? { roundTitle: r.title } : {};
  }
  return {};
}
