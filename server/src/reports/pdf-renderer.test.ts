import { afterAll, describe, expect, it } from 'vitest';
import { PdfRenderer } from './pdf-renderer';
import type { ReportDocument } from './document';
import { pdfText, sampleContent } from './fixtures.test-helper';

const h = {
  id: '44444444-4444-4444-8444-444444444444',
  nameZh: '北京大学第一医院',
  nameEn: 'Peking University First Hospital',
  region: '北京市',
};
const doc: ReportDocument = {
  reportId: '11111111-1111-4111-8111-111111111111',
  status: 'signed',
  acknowledgedAt: null,
  signature: 'c2ln',
  keyFingerprint: 'ab'.repeat(32),
  payload: {
    type: 'consult.remote-diagnosis-report/1',
    reportId: '11111111-1111-4111-8111-111111111111',
    consultationId: '22222222-2222-4222-8222-222222222222',
    version: 1,
    signedAt: '2026-11-25T08:00:00.000Z',
    signer: {
      id: '33333333-3333-4333-8333-333333333333',
      name: '陈教授',
      role: 'specialist',
      hospitalId: h.id,
    },
    amendmentReason: null,
    previous: null,
    content: {
      ...sampleContent(),
      diagnoses: [
        {
          code: 'I21.0',
          titleZh: '前壁急性透壁性心肌梗死',
          titleEn: 'Acute transmural myocardial infarction of anterior wall',
          primary: true,
        },
      ],
    },
  },
  consultation: {
    id: '22222222-2222-4222-8222-222222222222',
    type: 'remote_consultation',
    urgency: 'urgent',
    clinicalQuestion: '胸痛',
    historySummary: '',
    submittedAt: null,
    requesterId: '55555555-5555-4555-8555-555555555555',
    requesterName: '张伟',
  },
  patient: {
    id: '66666666-6666-4666-8666-666666666666',
    name: '王某',
    sex: 'male',
    birthDate: '1961-04-12',
    povertyRegistered: true,
  },
  requesting: {
    id: '77777777-7777-4777-8777-777777777777',
    nameZh: '兰考县人民医院',
    nameEn: 'Lankao',
    region: '河南',
  },
  consulting: h,
  signerHospital: h,
  studies: [],
};

describe('PDF renderer', () => {
  const r = new PdfRenderer();
  afterAll(() => r.close());

  it('renders in the worker thread, Chinese text intact, two reports in a row', async () => {
    for (let i = 0; i < 2; i++) {
      const pdf = await r.render(doc, 'zh-CN');
      expect(r.lastRenderedIn).toBe('worker');
      expect(pdfText(pdf)).toContain('前壁急性透壁性心肌梗死');
    }
  });
});
