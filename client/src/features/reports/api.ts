import type { Icd10Code, Report, ReportContent, ReportDiff, ReportVerifyResult } from '@consult/shared';
import { get, post, put } from '../../app/api';

export const getReportOf = (consultationId: string) =>
  get<Report>(`/api/consultations/${consultationId}/report`);
export const openReport = (consultationId: string) =>
  post<Report>(`/api/consultations/${consultationId}/report`);
export const saveDraft = (id: string, content: ReportContent, baseRevision: number) =>
  put<Report>(`/api/reports/${id}/draft`, { content, baseRevision });
export const signReport = (id: string, secret: { pin: string } | { password: string }) =>
  post<Report>(`/api/reports/${id}/sign`, secret);
export const amendReport = (id: string, reason: string) =>
  post<Report>(`/api/reports/${id}/amendments`, { reason });
export const acknowledgeReport = (id: string) => post<Report>(`/api/reports/${id}/acknowledge`);
export const diffReport = (id: string, from: number, to: number) =>
  get<ReportDiff>(`/api/reports/${id}/diff?from=${from}&to=${to}`);
export const verifyReport = (id: string) => get<ReportVerifyResult>(`/api/reports/${id}/verify`);
export const searchIcd10 = (q: string) =>
  get<Icd10Code[]>(`/api/reports/icd10?q=${encodeURIComponent(q)}&limit=15`);
export const pdfUrl = (id: string, lang: string, version?: number) =>
  `/api/reports/${id}/pdf?lang=${encodeURIComponent(lang)}${version ? `&version=${version}` : ''}`;
export const fhirUrl = (id: string, version?: number) =>
  `/api/reports/${id}/fhir${version ? `?version=${version}` : ''}`;
