import type { SeriesSummary, StudyDetail } from '@consult/shared';
import type { ImageRef } from './AnnotationSync';

/** WADO-URI imageId of an instance (frame is 0-based and must come last: the loader cuts at `frame=`). */
export function imageIdOf(studyUid: string, seriesUid: string, sopUid: string, frame: number | null): string {
  const q = new URLSearchParams({
    requestType: 'WADO',
    studyUID: studyUid,
    seriesUID: seriesUid,
    objectUID: sopUid,
    contentType: 'application/dicom',
  });
  return `wadouri:${window.location.origin}/wado?${q.toString()}${frame === null ? '' : `&frame=${frame}`}`;
}

/** Image series only (SR, RT plans... have no pixels); images in instance order, frames expanded. */
export function stackOf(study: StudyDetail, series: SeriesSummary): ImageRef[] {
  const out: ImageRef[] = [];
  const sorted = [...series.instances]
    .filter((i) => i.frames > 0)
    .sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
  for (const i of sorted) {
    if (i.frames > 1) {
      for (let f = 0; f < i.frames; f++)
        out.push({
          imageId: imageIdOf(study.studyInstanceUid, series.seriesInstanceUid, i.sopInstanceUid, f),
          sopInstanceUid: i.sopInstanceUid,
          frame: f,
        });
    } else {
      out.push({
        imageId: imageIdOf(study.studyInstanceUid, series.seriesInstanceUid, i.sopInstanceUid, null),
        sopInstanceUid: i.sopInstanceUid,
        frame: 0,
      });
    }
  }
  return out;
}

export const imageSeries = (study: StudyDetail) =>
  study.series.filter((s) => s.instances.some((i) => i.frames > 0));
