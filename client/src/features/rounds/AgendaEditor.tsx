import type { AgendaItemInput, PresentableCase } from '@consult/shared';
import { useI18n } from '../../app/i18n';

/**
 * The agenda: each item a title and, optionally, a case picked from those the organiser may present (on its
 * care team) by patient and question — never a typed id. Picking a case fills the title (patient · question).
 */
export function AgendaEditor(props: {
  agenda: AgendaItemInput[];
  cases: PresentableCase[];
  onChange(agenda: AgendaItemInput[]): void;
}) {
  const { t, dt } = useI18n();
  const { agenda, cases, onChange } = props;
  const setItem = (i: number, patch: Partial<AgendaItemInput>) =>
    onChange(agenda.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <fieldset data-testid="agenda-editor">
      <legend>{t('rounds.field.agenda')}</legend>
      {agenda.map((a, i) => (
        <div className="form-grid" key={i} data-testid={`agenda-item-${i}`}>
          <label>
            {t('rounds.agenda.case')}
            <select
              value={a.consultationId ?? ''}
              data-testid={`agenda-case-${i}`}
              onChange={(e) => {
                const c = cases.find((x) => x.consultationId === e.target.value);
                setItem(i, { consultationId: c?.consultationId ?? null, ...(c && { title: c.title }) });
              }}
            >
              <option value="">{t('rounds.agenda.noCase')}</option>
              {cases.map((c) => (
                <option key={c.consultationId} value={c.consultationId}>
                  {c.title} · {t(`consult.state.${c.state}`)} · {dt(c.updatedAt)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('rounds.field.title')}
            <input
              required
              maxLength={200}
              value={a.title}
              data-testid={`agenda-title-${i}`}
              onChange={(e) => setItem(i, { title: e.target.value })}
            />
          </label>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => onChange(agenda.filter((_, j) => j !== i))}
          >
            {t('rounds.agenda.remove')}
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        data-testid="agenda-add"
        onClick={() => onChange([...agenda, { title: '', consultationId: null }])}
      >
        {t('rounds.agenda.add')}
      </button>
    </fieldset>
  );
}
