import type { Insertable } from 'kysely';
import type { Database, Executor, Trx } from '../db/database';

/** The thread's writes and single reads: messages, attachments and imaging-study links of one consultation. */

/** Of `ids`, the attachments to this request the user uploaded and has not sent with a message yet. */
export function unsentAttachmentsOf(trx: Trx, consultationId: string, ids: string[], userId: string) {
  return trx
    .selectFrom('consultation_attachments')
    .select('id')
    .where('consultation_id', '=', consultationId)
    .where('id', 'in', ids)
    .where('uploaded_by', '=', userId)
    .where('message_id', 'is', null)
    .execute();
}

export async function insertMessage(
  trx: Trx,
  row: Insertable<Database['consultation_messages']>,
): Promise<void> {
  await trx.insertInto('consultation_messages').values(row).execute();
}

/** Send the attachments (`ids`, not empty) with a message. */
export async function attachToMessage(trx: Trx, ids: string[], messageId: string): Promise<void> {
  await trx
    .updateTable('consultation_attachments')
    .set({ message_id: messageId })
    .where('id', 'in', ids)
    .execute();
}

export async function insertAttachment(
  trx: Trx,
  row: Insertable<Database['consultation_attachments']>,
): Promise<void> {
  await trx.insertInto('consultation_attachments').values(row).execute();
}

export function findAttachment(db: Executor, consultationId: string, attachmentId: string) {
  return db
    .selectFrom('consultation_attachments')
    .selectAll()
    .where('id', '=', attachmentId)
    .where('consultation_id', '=', consultationId)
    .executeTakeFirst();
}

/** Link a study to a request; undefined when it is already linked. */
export function insertStudyLink(trx: Trx, consultationId: string, studyUid: string, userId: string) {
  return trx
    .insertInto('consultation_studies')
    .values({ consultation_id: consultationId, study_instance_uid: studyUid, linked_by: userId })
    .onConflict((oc) => oc.columns(['consultation_id', 'study_instance_uid']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Unlink a study from a request; false when it was not linked. */
export async function deleteStudyLink(trx: Trx, consultationId: string, studyUid: string): Promise<boolean> {
  const res = await trx
    .deleteFrom('consultation_studies')
    .where('consultation_id', '=', consultationId)
    .where('study_instance_uid', '=', studyUid)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
