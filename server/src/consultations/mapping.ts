import type { Attachment, Message, Role, StudyLink, StudySummary } from '@consult/shared';
import type { ConsultationAttachmentRow, ConsultationStudyRow } from './tables';

export const toAttachment = (a: ConsultationAttachmentRow & { uploader_name: string }): Attachment => ({
  id: a.id,
  consultationId: a.consultation_id,
  messageId: a.message_id,
  fileName: a.file_name,
  contentType: a.content_type,
  sizeBytes: a.size_bytes,
  sha256: a.sha256,
  uploadedBy: { id: a.uploaded_by, displayName: a.uploader_name },
  createdAt: a.created_at.toISOString(),
});

export const toStudyLink = (
  s: ConsultationStudyRow & { display_name: string },
  studies: ReadonlyMap<string, StudySummary>,
): StudyLink => ({
  consultationId: s.consultation_id,
  studyInstanceUid: s.study_instance_uid,
  linkedBy: { id: s.linked_by, displayName: s.display_name },
  linkedAt: s.linked_at.toISOString(),
  study: studies.get(s.study_instance_uid) ?? null,
});

export const toMessage = (
  m: {
    id: string;
    consultation_id: string;
    author_id: string;
    body: string;
    created_at: Date;
    display_name: string;
    role: Role;
    hospital_id: string | null;
  },
  attachments: Attachment[],
): Message => ({
  id: m.id,
  consultationId: m.consultation_id,
  author: { id: m.author_id, displayName: m.display_name },
  authorRole: m.role,
  authorHospitalId: m.hospital_id,
  body: m.body,
  attachments,
  createdAt: m.created_at.toISOString(),
});
