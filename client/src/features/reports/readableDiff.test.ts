import { describe, expect, it } from 'vitest';
import { emptyReportContent, type ReportContent } from '@consult/shared';
import { translate } from '../../app/i18n';
import { readableDiff } from './readableDiff';
import './messages';

const base = (): ReportContent => ({
  ...emptyReportContent(),
  findings: '心电图示 ST 段抬高',
  impression: '急性前壁心肌梗死',
  diagnoses: [
    { code: 'I21.0', titleZh: '前壁急性透壁性心肌梗死', titleEn: 'Acute anterior MI', primary: true },
  ],
  recommendations: { treatmentPlan: '急诊PCI', referral: false, referralNote: '', followUpIntervalDays: 30 },
});

describe('readable version diff', () => {
  const zh = (k: string, v?: Record<string, string | number>) => translate('zh-CN', k, v);
  const en = (k: string, v?: Record<string, string | number>) => translate('en', k, v);

  it('names changed fields in the user’s language with before/after text, never JSON paths', () => {
    const a = base();
    const b: ReportContent = {
      ...a,
      diagnoses: [
        ...a.diagnoses,
        { code: 'I10', titleZh: '原发性高血压', titleEn: 'Hypertension', primary: false },
      ],
      recommendations: { ...a.recommendations, referral: true, followUpIntervalDays: 14 },
    };
    const rows = readableDiff(a, b, zh, 'zh-CN');
    expect(rows.map((r) => zh(r.fieldKey))).toEqual([
      '诊断（ICD-10）',
      '建议转诊至上级医院',
      '随访间隔（天）',
    ]);
    expect(rows[0]).toMatchObject({
      before: 'I21.0 前壁急性透壁性心肌梗死 (主要诊断)',
      after: 'I21.0 前壁急性透壁性心肌梗死 (主要诊断)\nI10 原发性高血压',
    });
    expect(rows[1]).toMatchObject({ before: '否', after: '是' });
    expect(rows[2]).toMatchObject({ before: '30 天后随访', after: '14 天后随访' });
    for (const r of rows)
      expect(`${r.before}${r.after}`).not.toMatch(/\[\d\]|recommendations\.|true|false|null/);
    const english = readableDiff(a, b, en, 'en');
    expect(english[0]!.after).toContain('I10 Hypertension');
    expect(english[1]).toMatchObject({ before: 'No', after: 'Yes' });
  });

  it('lists nothing when nothing changed', () => {
    expect(readableDiff(base(), base(), zh, 'zh-CN')).toEqual([]);
  });
});
