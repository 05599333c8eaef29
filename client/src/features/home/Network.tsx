import { Permission, type Hospital, type Pairing } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useMe, useSession } from '../../app/session';
import { useAsync } from '../../app/useAsync';
import { Loadable } from '../../app/ui';

/** Below the worklist: where I work and the support network I can see (hospitals and their pairings). */
export function Network() {
  const me = useMe();
  const { allowed } = useSession();
  const { t, locale } = useI18n();
  const state = useAsync(
    async () =>
      allowed(Permission.HospitalsRead)
        ? Promise.all([get<Hospital[]>('/api/hospitals'), get<Pairing[]>('/api/pairings')])
        : ([[], []] as [Hospital[], Pairing[]]),
    [me.id],
  );
  const name = (h: Hospital | undefined) => (h ? (locale === 'zh-CN' ? h.nameZh : h.nameEn) : '?');
  return (
    <Loadable state={state}>
      {([hospitals, pairings]) => {
        const byId = new Map(hospitals.map((h) => [h.id, h]));
        return (
          <details className="card home-network">
            <summary>
              <h2>{t('home.network')}</h2>
            </summary>
            <p data-testid="home-hospital">
              {t('home.hospital')}:{' '}
              {me.hospital ? (name(byId.get(me.hospital.id)) ?? me.hospital.nameEn) : t('common.none')}
            </p>
            <table className="table" data-testid="visible-hospitals">
              <tbody>
                {hospitals.map((h) => (
                  <tr key={h.id}>
                    <td>{name(h)}</td>
                    <td>{t(`tier.${h.tier}`)}</td>
                    <td className="muted">{h.region}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ul className="plain-list">
              {pairings.map((p) => (
                <li key={p.id}>
                  {name(byId.get(p.tertiaryHospitalId))} ↔ {name(byId.get(p.countyHospitalId))}
                </li>
              ))}
            </ul>
          </details>
        );
      }}
    </Loadable>
  );
}
