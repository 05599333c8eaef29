/**
 * The imaging behind a report's key images: the studies linked to the consultation (and any study a key image
 * names), each with its series, instances and annotations.
 *
 * Key images name studies by Study Instance UID; the imaging JSON API (study detail, annotations) takes our study
 * id. QIDO-RS finds the study's Patient ID by UID, the study list filtered by that Patient ID gives the id; a UID
 * held by two hospitals resolves to the consultation's requesting hospital's study.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Annotation, ConsultationDetail, StudyDetail, StudySummary } from '@consult/shared';
import { get } from '../../app/api';

export interface LinkedStudy {
  uid: string;
  /** null when the study cannot be found or read (see error). */
  study: StudyDetail | null;
  annotations: Annotation[];
  error: string | null;
}

type QidoStudy = Record<string, { Value?: unknown[] } | undefined>;

async function findStudyId(uid: string, hospitalId: string): Promise<string | null> {
  const hits = await get<QidoStudy[]>(`/dicomweb/studies?StudyInstanceUID=${encodeURIComponent(uid)}`);
  const patientIds = [...new Set((hits ?? []).map((h) => String(h['00100020']?.Value?.[0] ?? '')))];
  const found: StudySummary[] = [];
  for (const pid of patientIds) {
    const filter = pid ? `patientId=${encodeURIComponent(pid)}&` : '';
    found.push(...(await get<StudySummary[]>(`/api/imaging/studies?${filter}limit=500`)));
  }
  const same = found.filter((s) => s.studyInstanceUid === uid);
  return (same.find((s) => s.hospitalId === hospitalId) ?? same[0])?.id ?? null;
}

/** One study with its annotations; failures are kept on the result (one unreadable study spoils nothing else). */
export async function loadStudy(uid: string, hospitalId: string): Promise<LinkedStudy> {
  try {
    const id = await findStudyId(uid, hospitalId);
    if (!id) return { uid, study: null, annotations: [], error: 'not_found' };
    const [study, annotations] = await Promise.all([
      get<StudyDetail>(`/api/imaging/studies/${id}`),
      get<Annotation[]>(`/api/imaging/studies/${id}/annotations`),
    ]);
    return { uid, study, annotations, error: null };
  } catch (e) {
    return { uid, study: null, annotations: [], error: e instanceof Error ? e.message : String(e) };
  }
}

export interface StudiesState {
  /** Study UIDs linked to the consultation, in link order. */
  linked: string[];
  byUid: Map<string, LinkedStudy>;
}

/**
 * The studies `keyUids` name (and, with `includeLinked`, every study linked to the consultation), loaded once per
 * mount: a study already loaded is not fetched again when another key image names it. `put` replaces a study with
 * a fresher copy (the picker's).
 */
export function useKeyImageStudies(consultationId: string, keyUids: string[], includeLinked = false) {
  const cache = useRef(new Map<string, Promise<LinkedStudy>>());
  const consultation = useRef<{ id: string; p: Promise<ConsultationDetail> } | null>(null);
  const [data, setData] = useState<StudiesState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const uidsKey = [...new Set(keyUids)].sort().join(',');

  useEffect(() => {
    let live = true;
    if (!uidsKey && !includeLinked) {
      setData({ linked: [], byUid: new Map() });
      return;
    }
    if (consultation.current?.id !== consultationId) {
      consultation.current = {
        id: consultationId,
        p: get<ConsultationDetail>(`/api/consultations/${consultationId}`),
      };
      cache.current.clear();
    }
    const { p } = consultation.current;
    void (async () => {
      const c = await p;
      const linked = includeLinked ? c.studies.map((s) => s.studyInstanceUid) : [];
      const uids = [...new Set([...linked, ...(uidsKey ? uidsKey.split(',') : [])])];
      const studies = await Promise.all(
        uids.map((uid) => {
          let s = cache.current.get(uid);
          if (!s) cache.current.set(uid, (s = loadStudy(uid, c.requestingHospital.id)));
          return s;
        }),
      );
      if (live) {
        setData({ linked, byUid: new Map(studies.map((s) => [s.uid, s])) });
        setError(null);
      }
    })().catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [consultationId, uidsKey, includeLinked, tick]);

  const put = useCallback((s: LinkedStudy) => {
    cache.current.set(s.uid, Promise.resolve(s));
    setTick((n) => n + 1);
  }, []);
  return { data, error, put };
}
