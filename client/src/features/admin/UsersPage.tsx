import { Fragment, useState, type FormEvent } from 'react';
import {
  ROLES,
  type AdminSignerKey,
  type Department,
  type Role,
  type User,
  type UserCreate,
} from '@consult/shared';
import { del, get, patch, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { askText } from '../../app/prompt';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useHospitals } from './useHospitals';
import { SigningKeyPanel } from './SigningKeyPanel';
import './messages';
import './signingKey.messages';

export function UsersPage() {
  const { t } = useI18n();
  const { state: hospitals, nameOf } = useHospitals();
  const [hospitalFilter, setHospitalFilter] = useState('');
  const users = useAsync(
    () => get<User[]>(`/api/users${hospitalFilter ? `?hospitalId=${hospitalFilter}` : ''}`),
    [hospitalFilter],
  );
  // Each user's active signing key (subject, issuer, validity, fingerprint), revocable on their behalf.
  const keys = useAsync(() => get<AdminSignerKey[]>('/api/signers/keys'), []);
  const keyOf = new Map((keys.data ?? []).map((k) => [k.userId, k]));
  const [openKey, setOpenKey] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const toggle = async (u: User) => {
    try {
      await patch(`/api/users/${u.id}`, { disabled: !u.disabled });
      setError(null);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const reset = async (u: User) => {
    const password = await askText({
      titleKey: 'admin.user.resetTitle',
      vars: { username: u.username },
      labelKey: 'admin.user.newPassword',
      type: 'password',
      minLength: 12,
    });
    if (!password) return;
    try {
      await post(`/api/users/${u.id}/password`, { password });
      setError(null);
      setNotice(t('admin.user.resetDone'));
    } catch (err) {
      setError(err);
    }
  };

  /** A user who lost both phone and recovery codes enrols again; typing the username confirms. */
  const resetMfa = async (u: User) => {
    const typed = await askText({
      titleKey: 'admin.user.mfaResetTitle',
      vars: { username: u.username },
      labelKey: 'admin.user.mfaResetConfirm',
    });
    if (typed === null) return;
    if (typed.trim() !== u.username) {
      setNotice(t('admin.user.mfaResetMismatch'));
      return;
    }
    try {
      await del(`/api/users/${u.id}/mfa`);
      setError(null);
      setNotice(t('admin.user.mfaResetDone'));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <PageHeader
        title={t('nav.admin.users')}
        actions={
          <select
            aria-label={t('admin.user.hospital')}
            value={hospitalFilter}
            onChange={(e) => setHospitalFilter(e.target.value)}
          >
            <option value="">{t('admin.user.hospital')}: *</option>
            {(hospitals.data ?? []).map((h) => (
              <option key={h.id} value={h.id}>
                {nameOf(h.id)}
              </option>
            ))}
          </select>
        }
      />
      {notice && <p className="alert alert-ok">{notice}</p>}
      <ErrorText error={error} />
      <div className="card">
        <Loadable state={users}>
          {(rows) => (
            <table className="table" data-testid="user-table">
              <thead>
                <tr>
                  <th>{t('admin.user.username')}</th>
                  <th>{t('admin.user.displayName')}</th>
                  <th>{t('admin.user.role')}</th>
                  <th>{t('admin.user.hospital')}</th>
                  <th>{t('admin.user.status')}</th>
                  <th>{t('admin.signingKey.column')}</th>
                  <th>{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((u) => {
                  const key = keyOf.get(u.id);
                  return (
                    <Fragment key={u.id}>
                      <tr data-username={u.username}>
                        <td>{u.username}</td>
                        <td>{u.displayName}</td>
                        <td>{t(`role.${u.role}`)}</td>
                        <td>{nameOf(u.hospitalId)}</td>
                        <td>{u.disabled ? t('admin.user.disabled') : t('admin.user.enabled')}</td>
                        <td>
                          {key ? (
                            <button
                              className="btn btn-small btn-ghost"
                              data-testid="user-signing-key"
                              aria-expanded={openKey === u.id}
                              title={key.subject}
                              onClick={() => setOpenKey(openKey === u.id ? null : u.id)}
                            >
                              {key.algorithm.toUpperCase()} · {key.fingerprint.slice(0, 12)}…
                            </button>
                          ) : (
                            <span className="muted">{t('admin.signingKey.none')}</span>
                          )}
                        </td>
                        <td className="actions">
                          <button className="btn btn-small" onClick={() => void toggle(u)}>
                            {u.disabled ? t('admin.user.enable') : t('admin.user.disable')}
                          </button>
                          <button className="btn btn-small" onClick={() => void reset(u)}>
                            {t('admin.user.reset')}
                          </button>
                          <button className="btn btn-small" onClick={() => void resetMfa(u)}>
                            {t('admin.user.mfaReset')}
                          </button>
                          {key && (
                            <button
                              className="btn btn-small"
                              data-testid="user-signing-key-revoke"
                              onClick={() => setOpenKey(u.id)}
                            >
                              {t('admin.signingKey.revoke')}
                            </button>
                          )}
                        </td>
                      </tr>
                      {key && openKey === u.id && (
                        <tr>
                          <td colSpan={7}>
                            <SigningKeyPanel
                              k={key}
                              username={u.username}
                              onCancel={() => setOpenKey(null)}
                              onRevoked={() => {
                                setOpenKey(null);
                                setNotice(t('admin.signingKey.revoked', { username: u.username }));
                                keys.reload();
                              }}
                            />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          )}
        </Loadable>
      </div>
      <NewUserForm onCreated={users.reload} hospitals={hospitals.data ?? []} nameOf={nameOf} />
    </section>
  );
}

function NewUserForm({
  onCreated,
  hospitals,
  nameOf,
}: {
  onCreated(): void;
  hospitals: { id: string; tier: string }[];
  nameOf(id: string | null): string;
}) {
  const { t, locale } = useI18n();
  const empty: UserCreate = {
    username: '',
    displayName: '',
    role: 'county_doctor',
    hospitalId: null,
    departmentId: null,
    password: '',
  };
  const [form, setForm] = useState<UserCreate>(empty);
  const [error, setError] = useState<unknown>(null);
  const departments = useAsync(
    async () => (form.hospitalId ? get<Department[]>(`/api/hospitals/${form.hospitalId}/departments`) : []),
    [form.hospitalId],
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await post<User>('/api/users', { ...form, locale });
      setForm(empty);
      setError(null);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form
      className="card form-grid"
      onSubmit={(e) => void submit(e)}
      aria-label={t('admin.user.new')}
      data-testid="user-form"
    >
      <h2>{t('admin.user.new')}</h2>
      <label>
        {t('admin.user.username')}
        <input
          name="username"
          value={form.username}
          onChange={(e) => setForm({ ...form, username: e.target.value })}
          required
        />
      </label>
      <label>
        {t('admin.user.displayName')}
        <input
          name="displayName"
          value={form.displayName}
          onChange={(e) => setForm({ ...form, displayName: e.target.value })}
          required
        />
      </label>
      <label>
        {t('admin.user.role')}
        <select
          name="role"
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.user.hospital')}
        <select
          name="hospital"
          value={form.hospitalId ?? ''}
          onChange={(e) => setForm({ ...form, hospitalId: e.target.value || null, departmentId: null })}
        >
          <option value="">—</option>
          {hospitals.map((h) => (
            <option key={h.id} value={h.id}>
              {nameOf(h.id)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.user.department')}
        <select
          name="department"
          value={form.departmentId ?? ''}
          onChange={(e) => setForm({ ...form, departmentId: e.target.value || null })}
        >
          <option value="">—</option>
          {(departments.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {locale === 'zh-CN' ? d.nameZh : d.nameEn}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.user.password')}
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
          minLength={10}
        />
      </label>
      <button className="btn btn-primary" type="submit">
        {t('common.create')}
      </button>
      <ErrorText error={error} />
    </form>
  );
}
