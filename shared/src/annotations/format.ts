import type { AnnotationTool, Measurement, MeasurementUnit } from './model';

/**
 * The one way a measurement is written for people: the viewer's canvas text, the annotation list, the key-image
 * card and the printed report all call these. Values are rounded to DECIMALS places here and nowhere else.
 */
export type MarkLang = 'zh-CN' | 'en';
export const DECIMALS = 1;

const WORDS: Record<MarkLang, Record<Measurement['kind'], string>> = {
  'zh-CN': { length: '', angle: '', area: '面积 ', mean: '均值 ', sd: '标准差 ', value: '' },
  en: { length: '', angle: '', area: 'Area ', mean: 'Mean ', sd: 'SD ', value: '' },
};

const UNITS: Record<MarkLang, Record<MeasurementUnit, string>> = {
  'zh-CN': { mm: ' mm', px: ' 像素', deg: '°', mm2: ' mm²', px2: ' 像素²', HU: ' HU', raw: ' (原始值)' },
  en: { mm: ' mm', px: ' px', deg: '°', mm2: ' mm²', px2: ' px²', HU: ' HU', raw: ' (raw)' },
};

/** The tool names as users read them. */
export const TOOL_NAMES: Record<MarkLang, Record<AnnotationTool, string>> = {
  'zh-CN': {
    Length: '长度',
    Angle: '角度',
    EllipticalRoi: '椭圆 ROI',
    RectangleRoi: '矩形 ROI',
    FreehandRoi: '自由 ROI',
    Probe: '探针',
    ArrowAnnotate: '箭头',
  },
  en: {
    Length: 'Length',
    Angle: 'Angle',
    EllipticalRoi: 'Ellipse ROI',
    RectangleRoi: 'Rectangle ROI',
    FreehandRoi: 'Freehand ROI',
    Probe: 'Probe',
    ArrowAnnotate: 'Arrow',
  },
};

/** The number as printed (fixed DECIMALS; "-0.0" → "0.0"). */
export const formatNumber = (v: number) => {
  const s = v.toFixed(DECIMALS);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

/** "12.3 mm", "124.8°", "面积 120.0 mm²", "Mean 40.2 HU", "均值 101.3 (原始值)". */
export const formatMeasurement = (m: Measurement, lang: MarkLang) =>
  `${WORDS[lang][m.kind]}${formatNumber(m.value)}${UNITS[lang][m.unit]}`;

/** One line per value, then the mark's text (the canvas text box). */
export function markLines(
  mark: { measurements: readonly Measurement[]; text?: string | null },
  lang: MarkLang,
): string[] {
  const lines = mark.measurements.map((m) => formatMeasurement(m, lang));
  const text = mark.text?.trim();
  return text ? [...lines, text] : lines;
}

/** A mark on one line ("面积 120.0 mm² · 均值 40.2 HU · 标准差 3.1 HU"). */
export const markLabel = (
  mark: { measurements: readonly Measurement[]; text?: string | null },
  lang: MarkLang,
) => markLines(mark, lang).join(' · ');
