import type {
  Assignable,
  Attachment,
  CareTeam,
  CareTeamAdd,
  CareTeamCandidate,
  ConsultationCreate,
  ConsultationDetail,
  ConsultationPage,
  Message,
  StudyLink,
  TransitionBody,
} from '@consult/shared';
import { api, del, get, post, put } from '../../app/api';

export const listConsultations = (view: 'all' | 'queue' | 'mine', extra = '') =>
  get<ConsultationPage>(`/api/consultations?view=${view}&limit=200${extra}`);
export const getConsultation = (id: string) => get<ConsultationDetail>(`/api/consultations/${id}`);
export const createConsultation = (body: ConsultationCreate) =>
  post<ConsultationDetail>('/api/consultations', body);
export const transition = (id: string, body: TransitionBody) =>
  post<ConsultationDetail>(`/api/consultations/${id}/transitions`, body);
export const assignable = (id: string) => get<Assignable[]>(`/api/consultations/${id}/assignable`);
export const listMessages = (id: string) => get<Message[]>(`/api/consultations/${id}/messages`);
export const postMessage = (id: string, body: string, attachmentIds: string[]) =>
  post<Message>(`/api/consultations/${id}/messages`, {
    body,
    ...(attachmentIds.length ? { attachmentIds } : {}),
  });
export const uploadAttachment = (id: string, file: File) =>
  api<Attachment>(
    'POST',
    `/api/consultations/${id}/attachments?fileName=${encodeURIComponent(file.name)}`,
    file,
    {
      headers: { 'content-type': file.type || 'application/octet-stream' },
    },
  );
export const linkStudy = (id: string, studyInstanceUid: string) =>
  post<StudyLink>(`/api/consultations/${id}/studies`, { studyInstanceUid });
export const unlinkStudy = (id: string, uid: string) =>
  del<{ ok: true }>(`/api/consultations/${id}/studies/${encodeURIComponent(uid)}`);
export const getTeam = (id: string) => get<CareTeam>(`/api/consultations/${id}/team`);
export const teamCandidates = (id: string) =>
  get<CareTeamCandidate[]>(`/api/consultations/${id}/team/candidates`);
export const addTeamMember = (id: string, body: CareTeamAdd) =>
  post<CareTeam>(`/api/consultations/${id}/team`, body);
export const removeTeamMember = (id: string, userId: string) =>
  del<CareTeam | { ok: true }>(`/api/consultations/${id}/team/${userId}`);
export const setTeachingShare = (id: string, shared: boolean) =>
  put<ConsultationDetail>(`/api/consultations/${id}/teaching-share`, { shared });
