/**
 * The DICOM structure around an exported measurement report (Comprehensive SR IOD, PS3.3 A.35.3): Patient,
 * General Study, SR Document Series, General Equipment, SR Document General and SOP Common modules, the root
 * CONTAINER of TID 1500, and its Image Library (TID 1600: one Image Library Group per series, each listing the
 * images the measurements were made on). The measurement content itself is built in sr.ts from the annotation model.
 * Checked by dciodvfy (dicom3tools) in sr-dciodvfy.test.ts.
 */
import type { Item } from './dicomwriter';

/** Manufacturer of the SR documents this platform writes (how a report read back is told apart as our own). */
export const SR_MANUFACTURER = 'Consult platform';

type Code = [value: string, scheme: string, meaning: string];
const codeItem = ([v, s, m]: Code): Item => ({
  '00080100': ['SH', v],
  '00080102': ['SH', s],
  '00080104': ['LO', m],
});
const REPORT: Code = ['126000', 'DCM', 'Imaging Measurement Report'];
const LIBRARY: Code = ['111028', 'DCM', 'Image Library'];
const LIBRARY_GROUP: Code = ['126200', 'DCM', 'Image Library Group'];
const MODALITY: Code = ['121139', 'DCM', 'Modality'];
/** PS3.16 CID 29 acquisition modality codes for the modalities a county hospital sends. */
const MODALITIES: Record<string, Code> = {
  CT: ['CT', 'DCM', 'Computed Tomography'],
  MR: ['MR', 'DCM', 'Magnetic Resonance'],
  CR: ['CR', 'DCM', 'Computed Radiography'],
  DX: ['DX', 'DCM', 'Digital Radiography'],
  US: ['US', 'DCM', 'Ultrasound'],
  MG: ['MG', 'DCM', 'Mammography'],
  XA: ['XA', 'DCM', 'X-Ray Angiography'],
  NM: ['NM', 'DCM', 'Nuclear Medicine'],
  PT: ['PT', 'DCM', 'Positron emission tomography'],
};

export interface SrImage {
  sopClass: string;
  sop: string;
  series: string;
  modality: string;
}

const contains = (valueType: string, concept: Code | null, extra: Item): Item => ({
  '0040A010': ['CS', 'CONTAINS'],
  '0040A040': ['CS', valueType],
  ...(concept && { '0040A043': ['SQ', [codeItem(concept)]] }),
  ...extra,
});

/** TID 1600 Image Library: a group per series (with its modality as acquisition context), an IMAGE per image. */
export function imageLibrary(images: SrImage[]): Item {
  const bySeries = new Map<string, SrImage[]>();
  for (const im of images) bySeries.set(im.series, [...(bySeries.get(im.series) ?? []), im]);
  const groups = [...bySeries.values()].map((list) => {
    const modality = MODALITIES[list[0]!.modality];
    const context: Item[] = modality
      ? [
          {
            '0040A010': ['CS', 'HAS ACQ CONTEXT'],
            '0040A040': ['CS', 'CODE'],
            '0040A043': ['SQ', [codeItem(MODALITY)]],
            '0040A168': ['SQ', [codeItem(modality)]],
          },
        ]
      : [];
    const entries = list.map((im) =>
      contains('IMAGE', null, {
        '00081199': ['SQ', [{ '00081150': ['UI', im.sopClass], '00081155': ['UI', im.sop] }]],
      }),
    );
    return contains('CONTAINER', LIBRARY_GROUP, {
      '0040A050': ['CS', 'SEPARATE'],
      '0040A730': ['SQ', [...context, ...entries]],
    });
  });
  return contains('CONTAINER', LIBRARY, { '0040A050': ['CS', 'SEPARATE'], '0040A730': ['SQ', groups] });
}

export interface SrStudy {
  study_uid: string;
  study_date: string;
  study_time: string;
  accession_number: string;
  referring_physician: string;
  patient_name: string;
  patient_id: string;
  birth_date: string;
  sex: string;
  study_id: string;
}

const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

/** The complete data set: header modules around the TID 1500 root container holding `content`. */
export function srDocument(p: {
  sopClass: string;
  sop: string;
  series: string;
  seriesNumber: number;
  study: SrStudy;
  images: SrImage[];
  content: Item[];
  now: Date;
}): Item {
  const { study, now } = p;
  const bySeries = new Map<string, Item[]>();
  for (const im of p.images)
    bySeries.set(im.series, [
      ...(bySeries.get(im.series) ?? []),
      { '00081150': ['UI', im.sopClass], '00081155': ['UI', im.sop] },
    ]);
  return {
    // SOP Common
    '00080005': ['CS', 'ISO_IR 192'],
    '00080012': ['DA', dicomDate(now)],
    '00080013': ['TM', dicomTime(now)],
    '00080016': ['UI', p.sopClass],
    '00080018': ['UI', p.sop],
    // General Study
    '00080020': ['DA', study.study_date],
    '00080030': ['TM', study.study_time],
    '00080050': ['SH', study.accession_number],
    '00080090': ['PN', study.referring_physician],
    '0020000D': ['UI', study.study_uid],
    '00200010': ['SH', study.study_id],
    // SR Document Series (Referenced Performed Procedure Step: type 2, empty — no MPPS here)
    '00080060': ['CS', 'SR'],
    '0008103E': ['LO', 'Measurements'],
    '00081111': ['SQ', []],
    '0020000E': ['UI', p.series],
    '00200011': ['IS', p.seriesNumber],
    // General Equipment
    '00080070': ['LO', SR_MANUFACTURER],
    // Patient
    '00100010': ['PN', study.patient_name],
    '00100020': ['LO', study.patient_id],
    '00100030': ['DA', study.birth_date],
    '00100040': ['CS', study.sex],
    // SR Document General (Performed Procedure Code: type 2, empty — the procedure is not coded here)
    '00080023': ['DA', dicomDate(now)],
    '00080033': ['TM', dicomTime(now)],
    '00200013': ['IS', 1],
    '0040A491': ['CS', 'COMPLETE'],
    '0040A493': ['CS', 'UNVERIFIED'],
    '0040A372': ['SQ', []],
    '0040A375': [
      'SQ',
      [
        {
          '0020000D': ['UI', study.study_uid],
          '00081115': [
            'SQ',
            [...bySeries].map(([s, refs]): Item => ({ '0020000E': ['UI', s], '00081199': ['SQ', refs] })),
          ],
        },
      ],
    ],
    // SR Document Content: the TID 1500 root
    '0040A040': ['CS', 'CONTAINER'],
    '0040A043': ['SQ', [codeItem(REPORT)]],
    '0040A050': ['CS', 'SEPARATE'],
    '0040A504': ['SQ', [{ '00080105': ['CS', 'DCMR'], '0040DB00': ['CS', '1500'] }]],
    '0040A730': ['SQ', p.content],
  };
}
