import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Permission, type Report, type ReportVerifyResult } from '@consult/shared';
import { ApiError } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useSocketEvent } from '../../app/socket';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import * as api from './api';
import { ReportEditor } from './ReportEditor';
import { ReportView } from './ReportView';
import { VersionHistory } from './VersionHistory';
import { AmendDialog, SignDialog } from './dialogs';
import { VerificationView } from './VerificationView';
import { PatientHeader, useReportTime } from './PatientHeader';
import { CaseImagesLink } from '../consultations/CaseImagesLink';

/** `/consultations/:consultationId/report`: write, sign, amend (consultant); read, acknowledge, export (both sides). */
export function ReportPage() {
  const { consultationId = '' } = useParams();
  const { t, locale } = useI18n();
  const { me, allowed } = useSession();
  const state = useAsync(
    () =>
      api
        .getReportOf(consultationId)
        .catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
    [consultationId],
  );
  const [local, setLocal] = useState<Report | null>(null);
  const [dialog, setDialog] = useState<'sign' | 'amend' | null>(null);
  const [settled, setSettled] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [verify, setVerify] = useState<ReportVerifyResult | null>(null);
  const [editorKey, setEditorKey] = useState(0);
  // A fresh fetch replaces what an action returned.
  useEffect(() => setLocal(null), [state.data]);
  const report = local ?? state.data ?? null;

  const reload = state.reload;
  const onChanged = useCallback(
    (e: { entityType: string; entityId: string }) => {
      if (
        (e.entityType === 'consultation' && e.entityId === consultationId) ||
        (e.entityType === 'report' && e.entityId === report?.id)
      ) {
        // The author's own editor keeps its local text; everyone else refetches.
        if (!report?.draft || report.authorId !== me?.id) reload();
      }
    },
    [consultationId, report?.id, report?.draft, report?.authorId, me?.id, reload],
  );
  useSocketEvent('entity:changed', onChanged);

  const act = async (fn: () => Promise<Report>) => {
    setError(null);
    try {
      const r = await fn();
      reload();
      setLocal(r);
      return r;
    } catch (e) {
      setError(e);
      throw e;
    }
  };
  const reportTime = useReportTime(report?.timeZone ?? 'Asia/Shanghai');
  const isAuthor = !!report && report.authorId === me?.id;
  const latest = report?.versions.at(-1);
  const onSaved = useCallback((r: Report) => setLocal(r), []);

  return (
    <div className="reports-page">
      <PageHeader
        title={t('reports.title')}
        actions={
          <>
            {report && (
              <span className={`badge report-status status-${report.status}`}>
                {t(`reports.status.${report.status}`)}
              </span>
            )}
            <CaseImagesLink consultationId={consultationId} />
            <Link className="btn btn-ghost" to={`/consultations/${consultationId}`}>
              {t('reports.back')}
            </Link>
          </>
        }
      />
      <ErrorText error={error} />
      <Loadable state={state}>
        {() =>
          !report ? (
            <div className="card">
              <p className="muted report-none">{t('reports.none')}</p>
              {allowed(Permission.ReportsWrite) && (
                <button
                  type="button"
                  className="btn btn-primary"
                  onClick={() => void act(() => api.openReport(consultationId)).catch(() => undefined)}
                >
                  {t('reports.start')}
                </button>
              )}
            </div>
          ) : (
            <>
              <PatientHeader report={report} />
              {report.draft && isAuthor && (
                <section className="card">
                  <ReportEditor
                    key={`${report.id}-${editorKey}-${report.currentVersion}-${report.status}`}
                    report={report}
                    onSaved={onSaved}
                    onSettled={setSettled}
                    onReload={() =>
                      void api.getReportOf(consultationId).then((fresh) => {
                        setLocal(fresh);
                        setEditorKey((k) => k + 1);
                      }, setError)
                    }
                  />
                  <div className="page-actions">
                    <button
                      type="button"
                      className="btn btn-primary"
                      disabled={!settled}
                      onClick={() => setDialog('sign')}
                    >
                      {t('reports.sign')}
                    </button>
                  </div>
                </section>
              )}
              {latest && (
                <section className="card">
                  <ReportView v={latest} consultationId={report.consultationId} timeZone={report.timeZone} />
                  {report.acknowledgedAt && (
                    <p className="alert alert-ok report-acknowledged">
                      {t('reports.acknowledged', {
                        name: report.acknowledgedByName ?? '',
                        time: reportTime(report.acknowledgedAt),
                      })}
                      {report.nextFollowUpDate && (
                        <> · {t('reports.nextFollowUp', { date: report.nextFollowUpDate })}</>
                      )}
                    </p>
                  )}
                  <div className="page-actions">
                    {report.status === 'signed' && allowed(Permission.ReportsAcknowledge) && (
                      <button
                        type="button"
                        className="btn btn-primary"
                        onClick={() =>
                          void act(() => api.acknowledgeReport(report.id)).catch(() => undefined)
                        }
                      >
                        {t('reports.acknowledge')}
                      </button>
                    )}
                    {isAuthor && report.status !== 'amending' && (
                      <button type="button" className="btn" onClick={() => setDialog('amend')}>
                        {t('reports.amend')}
                      </button>
                    )}
                    <a className="btn" href={api.pdfUrl(report.id, locale)} download>
                      {t('reports.download.pdf')}
                    </a>
                    <a className="btn" href={api.fhirUrl(report.id)} download>
                      {t('reports.download.fhir')}
                    </a>
                    <button
                      type="button"
                      className="btn btn-ghost"
                      onClick={() => void api.verifyReport(report.id).then(setVerify, setError)}
                    >
                      {t('reports.verify')}
                    </button>
                  </div>
                  {verify && <VerificationView result={verify} />}
                </section>
              )}
              {report.versions.length > 0 && <VersionHistory report={report} />}
            </>
          )
        }
      </Loadable>
      {dialog === 'sign' && report && (
        <SignDialog
          onCancel={() => setDialog(null)}
          onSign={async (secret) => {
            await act(() => api.signReport(report.id, secret));
            setDialog(null);
          }}
        />
      )}
      {dialog === 'amend' && report && (
        <AmendDialog
          onCancel={() => setDialog(null)}
          onAmend={async (reason) => {
            await act(() => api.amendReport(report.id, reason));
            setDialog(null);
          }}
        />
      )}
    </div>
  );
}
