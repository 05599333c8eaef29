import type { Hospital } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';

/** Hospitals plus a localized name lookup, shared by the admin pages. */
export function useHospitals() {
  const { locale } = useI18n();
  const state = useAsync(() => get<Hospital[]>('/api/hospitals'), []);
  const byId = new Map((state.data ?? []).map((h) => [h.id, h]));
  const nameOf = (id: string | null) => {
    const h = id ? byId.get(id) : undefined;
    return h ? (locale === 'zh-CN' ? h.nameZh : h.nameEn) : '—';
  };
  return { state, nameOf };
}
