import type { Dashboard, DashboardFilters, DashboardQuery } from '@consult/shared';
import { get } from '../../app/api';

export const toQs = (q: DashboardQuery) =>
  new URLSearchParams(
    Object.entries(q).filter(([, v]) => v !== undefined && v !== '') as [string, string][],
  ).toString();
export const getDashboard = (q: DashboardQuery) => get<Dashboard>(`/api/dashboard?${toQs(q)}`);
export const getFilters = () => get<DashboardFilters>('/api/dashboard/filters');
export const csvUrl = (q: DashboardQuery) => `/api/dashboard.csv?${toQs(q)}`;
