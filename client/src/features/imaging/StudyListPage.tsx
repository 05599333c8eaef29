import { useState } from 'react';
import { Link } from 'react-router';
import { Permission } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import { listStudies } from './api';

const fmtDate = (d: string) => (/^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d);

export function StudyListPage() {
  const { t } = useI18n();
  const { allowed } = useSession();
  const [name, setName] = useState('');
  const [modality, setModality] = useState('');
  const [query, setQuery] = useState({ patientName: '', modality: '' });
  const state = useAsync(() => listStudies(query), [query.patientName, query.modality]);
  return (
    <div>
      <PageHeader
        title={t('imaging.studies')}
        actions={
          allowed(Permission.StudiesUpload) && (
            <Link className="btn btn-primary" to="/imaging/upload">
              {t('imaging.upload.title')}
            </Link>
          )
        }
      />
      <form
        className="form-inline imaging-search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ patientName: name.trim(), modality: modality.trim().toUpperCase() });
        }}
      >
        <input
          placeholder={t('imaging.search.patient')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label={t('imaging.search.patient')}
        />
        <input
          placeholder={t('imaging.search.modality')}
          value={modality}
          onChange={(e) => setModality(e.target.value)}
          aria-label={t('imaging.search.modality')}
          size={6}
        />
        <button className="btn">{t('imaging.search.go')}</button>
      </form>
      <Loadable state={state}>
        {(rows) =>
          rows.length === 0 ? (
            <p className="muted">{t('imaging.empty')}</p>
          ) : (
            <table className="table" data-testid="study-list">
              <thead>
                <tr>
                  <th>{t('imaging.col.patient')}</th>
                  <th>{t('imaging.col.patientId')}</th>
                  <th>{t('imaging.col.date')}</th>
                  <th>{t('imaging.col.modalities')}</th>
                  <th>{t('imaging.col.description')}</th>
                  <th>{t('imaging.col.images')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.id}>
                    <td>{s.patientName}</td>
                    <td>{s.patientId}</td>
                    <td>{fmtDate(s.studyDate)}</td>
                    <td>{s.modalities.join(', ')}</td>
                    <td>{s.description}</td>
                    <td>
                      {s.numSeries} / {s.numInstances}
                    </td>
                    <td>
                      <Link className="btn btn-small" to={`/imaging/studies/${s.id}`}>
                        {t('imaging.open')}
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loadable>
    </div>
  );
}
