import { useState, type FormEvent } from 'react';
import {
  SERVICE_CLIENT_PERMISSIONS,
  type Permission,
  type ServiceClient,
  type ServiceClientCreated,
} from '@consult/shared';
import { get, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useHospitals } from './useHospitals';
import './messages';

/**
 * Service clients (PACS, county gateway, viewer deployments): create one bound to a hospital with a set of
 * permissions, see its secret once, revoke it (its tokens stop working at once).
 */
export function ServiceClientsPage() {
  const { t, locale } = useI18n();
  const { state: hospitals, nameOf } = useHospitals();
  const clients = useAsync(() => get<ServiceClient[]>('/api/service-clients'), []);
  const [form, setForm] = useState<{ name: string; hospitalId: string; permissions: Permission[] }>({
    name: '',
    hospitalId: '',
    permissions: ['studies:read'],
  });
  const [created, setCreated] = useState<ServiceClientCreated | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setCreated(await post<ServiceClientCreated>('/api/service-clients', form));
      setError(null);
      setForm({ ...form, name: '' });
      clients.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (c: ServiceClient) => {
    if (!window.confirm(t('admin.client.revokeConfirm', { name: c.name }))) return;
    try {
      await post(`/api/service-clients/${c.id}/revoke`);
      clients.reload();
    } catch (err) {
      setError(err);
    }
  };
  const toggle = (p: Permission) =>
    setForm({
      ...form,
      permissions: form.permissions.includes(p)
        ? form.permissions.filter((x) => x !== p)
        : [...form.permissions, p],
    });
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(locale) : '—');

  return (
    <section>
      <PageHeader title={t('nav.admin.serviceClients')} />
      {created && (
        <div className="card alert alert-ok" role="status" data-testid="client-secret">
          <p>{t('admin.client.secretOnce')}</p>
          <dl>
            <dt>client_id</dt>
            <dd className="mono">{created.client.id}</dd>
            <dt>client_secret</dt>
            <dd className="mono">{created.clientSecret}</dd>
            <dt>{t('admin.client.tokenUrl')}</dt>
            <dd className="mono">{created.tokenUrl}</dd>
          </dl>
          <button className="btn btn-small" onClick={() => setCreated(null)}>
            {t('admin.client.secretSaved')}
          </button>
        </div>
      )}
      <div className="card">
        <Loadable state={clients}>
          {(rows) => (
            <table className="table" data-testid="client-table">
              <thead>
                <tr>
                  <th>{t('admin.client.name')}</th>
                  <th>{t('admin.user.hospital')}</th>
                  <th>{t('admin.client.permissions')}</th>
                  <th>{t('admin.client.lastUsed')}</th>
                  <th>{t('admin.user.status')}</th>
                  <th>{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td>
                      {c.name} <span className="muted mono">{c.id.slice(0, 8)}</span>
                    </td>
                    <td>{nameOf(c.hospitalId)}</td>
                    <td>{c.permissions.map((p) => t(`admin.client.perm.${p}`)).join('、')}</td>
                    <td>{when(c.lastUsedAt)}</td>
                    <td>
                      {c.revokedAt
                        ? `${t('admin.client.revoked')} ${when(c.revokedAt)}`
                        : t('admin.user.enabled')}
                    </td>
                    <td>
                      {!c.revokedAt && (
                        <button className="btn btn-small" onClick={() => void revoke(c)}>
                          {t('admin.client.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loadable>
      </div>
      <form
        className="card form-grid"
        onSubmit={(e) => void submit(e)}
        aria-label={t('admin.client.new')}
        data-testid="client-form"
      >
        <h2>{t('admin.client.new')}</h2>
        <label>
          {t('admin.client.name')}
          <input
            name="name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
          />
        </label>
        <label>
          {t('admin.user.hospital')}
          <select
            name="hospital"
            value={form.hospitalId}
            onChange={(e) => setForm({ ...form, hospitalId: e.target.value })}
            required
          >
            <option value="">—</option>
            {(hospitals.data ?? []).map((h) => (
              <option key={h.id} value={h.id}>
                {nameOf(h.id)}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t('admin.client.permissions')}</legend>
          {SERVICE_CLIENT_PERMISSIONS.map((p) => (
            <label key={p}>
              <input type="checkbox" checked={form.permissions.includes(p)} onChange={() => toggle(p)} />{' '}
              {t(`admin.client.perm.${p}`)}
            </label>
          ))}
        </fieldset>
        <button className="btn btn-primary" type="submit" disabled={!form.permissions.length}>
          {t('common.create')}
        </button>
        <ErrorText error={error} />
      </form>
    </section>
  );
}
