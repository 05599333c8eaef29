import {
  CSRF_HEADER,
  type Annotation,
  type AnnotationUpdate,
  type AnnotationCreate,
  type SrExportResult,
  type StudyDetail,
  type StudySummary,
  type UploadResult,
} from '@consult/shared';
import { del, errorBody, get, localizedError, post, put } from '../../app/api';
import { currentLocale } from '../../app/i18n';

export const listStudies = (q: { patientName?: string; modality?: string; limit?: number } = {}) => {
  const qs = new URLSearchParams(
    Object.entries(q)
      .filter(([, v]) => v)
      .map(([k, v]) => [k, String(v)]),
  ).toString();
  return get<StudySummary[]>(`/api/imaging/studies${qs ? `?${qs}` : ''}`);
};
export const getStudy = (id: string) => get<StudyDetail>(`/api/imaging/studies/${id}`);
export const listAnnotations = (studyId: string) =>
  get<Annotation[]>(`/api/imaging/studies/${studyId}/annotations`);
export const createAnnotation = (studyId: string, body: AnnotationCreate) =>
  post<Annotation>(`/api/imaging/studies/${studyId}/annotations`, body);
export const updateAnnotation = (id: string, shape: Omit<AnnotationUpdate, 'version'>, version: number) =>
  put<Annotation>(`/api/imaging/annotations/${id}`, { ...shape, version });
export const deleteAnnotation = (id: string, version: number) =>
  del<{ ok: true }>(`/api/imaging/annotations/${id}?version=${version}`);
export const exportSr = (studyId: string) => post<SrExportResult>(`/api/imaging/studies/${studyId}/sr`);

let csrf: string | null = null;
/** The upload uses XMLHttpRequest (fetch has no upload progress), so it needs the CSRF token itself. */
export const setUploadCsrf = (t: string | null) => {
  csrf = t;
};

/**
 * Upload one file (raw body, streamed to disk by the server) with progress; resolves with the server's verdict
 * (stored / already stored / conflict / rejected with reason). Network failures resolve as rejected too.
 */
export function uploadFile(
  file: File,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/imaging/instances');
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/dicom');
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    const fail = (reason: string) =>
      resolve({ status: 'rejected', reason, studyInstanceUid: null, sopInstanceUid: null, studyId: null });
    xhr.onload = () => {
      onProgress(file.size, file.size);
      try {
        const body = JSON.parse(xhr.responseText) as Partial<UploadResult> & { message?: string };
        if (body.status) resolve(body as UploadResult);
        // An error body (too large, signed out, …) in the user's language, like every other API error.
        else fail(localizedError(currentLocale(), xhr.status, errorBody(body)));
      } catch {
        fail(localizedError(currentLocale(), xhr.status, {}));
      }
    };
    xhr.onerror = () => fail(localizedError(currentLocale(), 0, {}));
    xhr.onabort = () => fail('cancelled');
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
