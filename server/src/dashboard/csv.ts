/** The dashboard as CSV, headed in the requesting user's language (UTF-8 with BOM so spreadsheets show Chinese). */
import type { Dashboard, DashboardMetrics, Locale } from '@consult/shared';
import { DASHBOARD_METRIC_KEYS } from '@consult/shared';

type MetricKey = (typeof DASHBOARD_METRIC_KEYS)[number];
interface CsvLabels {
  columns: [string, string, string, string, string, string];
  levels: Record<'total' | 'program' | 'pairing' | 'county', string>;
  metrics: Record<MetricKey, string>;
}

export const CSV_LABELS: Record<Locale, CsvLabels> = {
  'zh-CN': {
    columns: ['层级', '项目', '三级医院', '县医院', '开始日期', '结束日期'],
    levels: { total: '合计', program: '项目', pairing: '对口支援关系', county: '县医院' },
    metrics: {
      consultations: '会诊申请',
      slaBreaches: '超时响应',
      medianHoursToReport: '出报告中位时长（小时）',
      p90HoursToReport: '出报告 P90 时长（小时）',
      reportsSigned: '已签署报告',
      reportsAcknowledged: '已确认报告',
      patientsServed: '服务患者',
      povertyPatientsServed: '其中建档立卡贫困户',
      roundsHeld: '远程查房（次）',
      roundHours: '查房时长（小时）',
      teachingRecordings: '教学录像',
    },
  },
  en: {
    columns: ['Level', 'Program', 'Tertiary hospital', 'County hospital', 'From', 'To'],
    levels: { total: 'Total', program: 'Program', pairing: 'Pairing', county: 'County' },
    metrics: {
      consultations: 'Consultations',
      slaBreaches: 'SLA breaches',
      medianHoursToReport: 'Median hours to report',
      p90HoursToReport: 'P90 hours to report',
      reportsSigned: 'Reports signed',
      reportsAcknowledged: 'Reports acknowledged',
      patientsServed: 'Patients served',
      povertyPatientsServed: 'of them poverty-registered',
      roundsHeld: 'Rounds held',
      roundHours: 'Round hours',
      teachingRecordings: 'Teaching recordings',
    },
  },
};

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote always; neutralise spreadsheet formulas.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

/** One CSV: a row per total, program, pairing and county; hospital names in the same language as the headers. */
export function dashboardCsv(d: Dashboard, locale: Locale = 'zh-CN'): string {
  const L = CSV_LABELS[locale];
  const zh = locale === 'zh-CN';
  const head = [...L.columns, ...DASHBOARD_METRIC_KEYS.map((k) => L.metrics[k])];
  const row = (
    level: keyof CsvLabels['levels'],
    program: string,
    tertiary: string,
    county: string,
    m: DashboardMetrics,
  ) =>
    [L.levels[level], program, tertiary, county, d.from, d.to, ...DASHBOARD_METRIC_KEYS.map((k) => m[k])]
      .map(csvCell)
      .join(',');
  const lines = [
    head.map(csvCell).join(','),
    row('total', '', '', '', d.totals),
    ...d.programs.map((p) => row('program', p.programName, '', '', p)),
    ...d.pairings.map((p) =>
      row(
        'pairing',
        p.programName,
        zh ? p.tertiaryNameZh : p.tertiaryNameEn,
        zh ? p.countyNameZh : p.countyNameEn,
        p,
      ),
    ),
    ...d.counties.map((c) => row('county', '', '', zh ? c.nameZh : c.nameEn, c)),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
