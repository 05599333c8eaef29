import { useEffect, useState } from 'react';
import type { Icd10Code, ReportDiagnosis } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { searchIcd10 } from './api';

/** Search the shipped ICD-10 list; picked codes become diagnoses (the first is primary). */
export function Icd10Picker({
  value,
  onChange,
  disabled,
}: {
  value: ReportDiagnosis[];
  onChange(v: ReportDiagnosis[]): void;
  disabled?: boolean;
}) {
  const { t, locale } = useI18n();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Icd10Code[]>([]);
  useEffect(() => {
    if (!q.trim()) return setHits([]);
    let live = true;
    const timer = setTimeout(() => {
      searchIcd10(q)
        .then((r) => live && setHits(r))
        .catch(() => live && setHits([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  const title = (c: { titleZh: string; titleEn: string }) => (locale === 'zh-CN' ? c.titleZh : c.titleEn);
  const add = (c: Icd10Code) => {
    if (!value.some((d) => d.code === c.code)) onChange([...value, { ...c, primary: value.length === 0 }]);
    setQ('');
  };
  return (
    <div className="icd-picker">
      <ul className="plain-list icd-selected">
        {value.map((d) => (
          <li key={d.code}>
            <span className="mono">{d.code}</span> {title(d)}{' '}
            <label>
              <input
                type="radio"
                name="primary-dx"
                checked={d.primary}
                disabled={disabled}
                onChange={() => onChange(value.map((x) => ({ ...x, primary: x.code === d.code })))}
              />{' '}
              {t('reports.field.primary')}
            </label>{' '}
            {!disabled && (
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => onChange(value.filter((x) => x.code !== d.code))}
              >
                {t('reports.field.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!disabled && (
        <>
          <input
            type="search"
            aria-label={t('reports.icd10.search')}
            placeholder={t('reports.icd10.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          {q.trim() && (
            <ul className="icd-hits" role="listbox">
              {hits.length === 0 && <li className="muted">{t('reports.icd10.none')}</li>}
              {hits.map((c) => (
                <li key={c.code} role="option" aria-selected={false}>
                  <button type="button" className="link" onClick={() => add(c)}>
                    <span className="mono">{c.code}</span> {title(c)}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p className="muted small">{t('reports.icd10.note')}</p>
        </>
      )}
    </div>
  );
}
