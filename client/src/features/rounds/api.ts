import type {
  PresentableCase,
  RoundCreate,
  RoundDetail,
  RoundDraft,
  RoundPerson,
  RoundSummary,
} from '@consult/shared';
import { get, patch, post } from '../../app/api';

export const listRounds = () => get<RoundSummary[]>('/api/rounds');
export const getRound = (id: string) => get<RoundDetail>(`/api/rounds/${id}`);
export const candidates = () => get<RoundPerson[]>('/api/rounds/candidates');
export const createRound = (body: RoundCreate) => post<RoundDetail>('/api/rounds', body);
export const updateRound = (id: string, body: Partial<RoundCreate>) =>
  patch<RoundDetail>(`/api/rounds/${id}`, body);
export const endRound = (id: string) => post<RoundDetail>(`/api/rounds/${id}/end`);
export const recordingUrl = (roundId: string, recordingId: string) =>
  `/api/rounds/${roundId}/recordings/${recordingId}/file`;
export const presentableCases = () => get<PresentableCase[]>('/api/rounds/presentable');
export const roundDraft = (consultationId: string) =>
  get<RoundDraft>(`/api/rounds/draft?consultationId=${encodeURIComponent(consultationId)}`);
export const calendarUrl = (roundId: string) => `/api/rounds/${roundId}/calendar.ics`;
export const joinPath = (roundId: string) => `/rounds/${roundId}/room`;
