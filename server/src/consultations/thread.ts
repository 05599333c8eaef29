import crypto from 'node:crypto';
import path from 'node:path';
import {
  TERMINAL_STATES,
  type Attachment,
  type Message,
  type MessageCreate,
  type StudyLink,
} from '@consult/shared';
import type { Actor } from '../auth/actor';
import type { DB } from '../db/database';
import { recordAudit } from '../audit/service';
import { auditRead } from './read-audit';
import { notifyUsers } from '../notifications/service';
import { userRoom } from '../realtime/plugin';
import { assertCase, canViewStudyAt, caseAudience } from '../access/policy';
import { badRequest, conflict, DomainError, notFound } from '../errors';
import * as q from './queries';
import * as tq from './thread-queries';
import { toAttachment, toMessage, toStudyLink } from './mapping';
import { loadVisible, type ConsultationCtx } from './service';
import { studiesByUid } from '../imaging/service';
import { storageDirOf } from '../ops-config';
import { openStore } from '../storage';

/** Discussion thread, attachments (PDF/JPEG by magic bytes) and imaging-study links of one consultation. */

export async function listMessages(db: DB, actor: Actor, id: string): Promise<Message[]> {
  await loadVisible(db, actor, id);
  const [msgs, atts] = await Promise.all([q.messagesOf(db, id), q.attachmentsOf(db, id)]);
  auditRead(db, {
    actor,
    action: 'consultation.messages.read',
    entityType: 'consultation',
    entityId: id,
    ip: actor.ip,
  });
  return msgs.map((m) => toMessage(m, atts.filter((a) => a.message_id === m.id).map(toAttachment)));
}

export async function postMessage(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  body: MessageCreate,
): Promise<Message> {
  await assertCase(ctx.db, actor, id, 'case:message');
  const c = await loadVisible(ctx.db, actor, id);
  if (c.state === 'draft')
    throw new DomainError('invalid_transition', 'the request is still a draft; submit it first');
  const text = body.body.trim();
  if (!text) throw badRequest('message is empty', '/body/body');
  const attIds = [...new Set(body.attachmentIds ?? [])];
  const msgId = crypto.randomUUID();
  const message = await ctx.db.transaction().execute(async (trx) => {
    if (attIds.length) {
      const own = await tq.unsentAttachmentsOf(trx, id, attIds, actor.id);
      if (own.length !== attIds.length)
        throw badRequest(
          'attachments must be your own unsent uploads to this request',
          '/body/attachmentIds',
        );
    }
    await tq.insertMessage(trx, { id: msgId, consultation_id: id, author_id: actor.id, body: text });
    if (attIds.length) await tq.attachToMessage(trx, attIds, msgId);
    await recordAudit(trx, {
      actor,
      action: 'consultation.message.post',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
      detail: { messageId: msgId },
    });
    const m = (await q.messagesOf(trx, id)).find((x) => x.id === msgId)!;
    const atts = (await q.attachmentsOf(trx, id)).filter((a) => a.message_id === msgId).map(toAttachment);
    return toMessage(m, atts);
  });
  const audience = await caseAudience(ctx.db, c.id);
  if (audience.length) ctx.io.to(audience.map(userRoom)).emit('consultation:message', message);
  await notifyUsers(
    ctx.db,
    ctx.io,
    audience.filter((u) => u !== actor.id && (u === c.requester_id || u === c.assigned_to)),
    {
      kind: 'consultation.message_posted',
      entityType: 'consultation',
      entityId: id,
      data: { author: actor.displayName },
    },
  );
  return message;
}

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
};

/** The type the bytes really are (by magic number), or null. */
export function sniffType(b: Buffer): string | null {
  for (const [type, test] of Object.entries(MAGIC)) if (test(b)) return type;
  return null;
}

/** The consultation capability's files: the `attachments` namespace of the platform storage. */
const attachments = (ctx: ConsultationCtx) => openStore(storageDirOf(ctx.config), 'attachments');

export async function uploadAttachment(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  file: { fileName: string; declaredType: string; bytes: Buffer },
): Promise<Attachment> {
  await assertCase(ctx.db, actor, id, 'case:message');
  const c = await loadVisible(ctx.db, actor, id);
  if (TERMINAL_STATES.includes(c.state))
    throw new DomainError('invalid_transition', `the request is ${c.state}; no more attachments`);
  if (file.bytes.length === 0) throw badRequest('the file is empty', '/body');
  if (file.bytes.length > ctx.config.consultations.attachmentMaxBytes) {
    throw new DomainError(
      'payload_too_large',
      `attachments are limited to ${ctx.config.consultations.attachmentMaxBytes} bytes`,
    );
  }
  const real = sniffType(file.bytes);
  if (!real) throw new DomainError('unsupported_media_type', 'only PDF and JPEG files are accepted');
  if (file.declaredType !== 'application/octet-stream' && file.declaredType !== real) {
    throw new DomainError('unsupported_media_type', `the file is ${real}, not ${file.declaredType}`);
  }
  const fileName =
    [...path.basename(file.fileName)]
      .map((ch) => (ch.charCodeAt(0) < 0x20 || ch === '"' || ch === '\\' ? '_' : ch))
      .join('')
      .slice(0, 200) || 'file';
  const attId = crypto.randomUUID();
  const storageKey = `${id}/${attId}`;
  await attachments(ctx).put(storageKey, file.bytes);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await tq.insertAttachment(trx, {
        id: attId,
        consultation_id: id,
        message_id: null,
        uploaded_by: actor.id,
        file_name: fileName,
        content_type: real,
        size_bytes: file.bytes.length,
        sha256: crypto.createHash('sha256').update(file.bytes).digest('hex'),
        storage_key: storageKey,
      });
      await recordAudit(trx, {
        actor,
        action: 'consultation.attachment.upload',
        entityType: 'consultation',
        entityId: id,
        ip: actor.ip,
        detail: { attachmentId: attId },
      });
      const row = (await q.attachmentsOf(trx, id)).find((a) => a.id === attId)!;
      return toAttachment(row);
    });
  } catch (e) {
    await attachments(ctx).delete(storageKey);
    throw e;
  }
}

export async function readAttachment(ctx: ConsultationCtx, actor: Actor, id: string, attachmentId: string) {
  await loadVisible(ctx.db, actor, id);
  const a = await tq.findAttachment(ctx.db, id, attachmentId);
  if (!a) throw notFound('attachment');
  const bytes = await attachments(ctx).get(a.storage_key);
  auditRead(ctx.db, {
    actor,
    action: 'consultation.attachment.read',
    entityType: 'consultation',
    entityId: id,
    ip: actor.ip,
    detail: { attachmentId },
  });
  return { bytes, contentType: a.content_type, fileName: a.file_name };
}

/**
 * Link a DICOM study (StudyInstanceUID) to a consultation. Care-team members who may link images (the policy)
 * link a study they can see themselves, of the requesting or target hospital. The policy grants the case's team
 * the study's images through this link (server/src/access).
 */
export async function linkStudy(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  uid: string,
): Promise<StudyLink> {
  await assertCase(ctx.db, actor, id, 'case:link-images');
  const c = await loadVisible(ctx.db, actor, id);
  if (c.state === 'cancelled' || c.state === 'declined')
    throw new DomainError('invalid_transition', `the request is ${c.state}`);
  if (!(await canViewStudyAt(ctx.db, actor, uid, [c.requesting_hospital_id, c.target_hospital_id]))) {
    throw badRequest('no such study of yours at either hospital of this request', '/body/studyInstanceUid');
  }
  const link = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await tq.insertStudyLink(trx, id, uid, actor.id);
    if (!inserted) throw conflict('this study is already linked');
    await recordAudit(trx, {
      actor,
      action: 'consultation.study.link',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
      detail: { studyInstanceUid: uid },
    });
    const linked = await studiesByUid(trx, actor, [uid], c.requesting_hospital_id);
    return toStudyLink({ ...inserted, display_name: actor.displayName }, linked);
  });
  await emitChanged(ctx, c);
  return link;
}

export async function unlinkStudy(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  uid: string,
): Promise<void> {
  await assertCase(ctx.db, actor, id, 'case:link-images');
  const c = await loadVisible(ctx.db, actor, id);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await tq.deleteStudyLink(trx, id, uid))) throw notFound('study link');
    await recordAudit(trx, {
      actor,
      action: 'consultation.study.unlink',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
      detail: { studyInstanceUid: uid },
    });
  });
  await emitChanged(ctx, c);
}

async function emitChanged(ctx: ConsultationCtx, c: q.SummaryRow) {
  const audience = await caseAudience(ctx.db, c.id);
  if (audience.length)
    ctx.io
      .to(audience.map(userRoom))
      .emit('consultation:changed', { id: c.id, state: c.state, version: c.version });
}
