import type { ReactNode } from 'react';
import type { Permission } from '@consult/shared';
import { homeFeature } from '../features/home';
import { adminFeature } from '../features/admin';
import { consultationsFeature } from '../features/consultations';
import { patientsFeature } from '../features/patients';
import { inboxFeature } from '../features/inbox';
import { statsFeature } from '../features/stats';
import { roundsFeature } from '../features/rounds';
import { reportsFeature } from '../features/reports';
import { dashboardFeature } from '../features/dashboard';
import { imagingFeature } from '../features/imaging';
import { syncFeature } from '../features/sync';
import { securityFeature } from '../features/security';

/**
 * A feature plugs into the shell with routes and navigation entries (like OHIF extensions). The shell knows
 * no feature's internals; a new feature adds one line to FEATURES.
 */
export interface FeatureRoute {
  path: string;
  element: ReactNode;
  permission?: Permission;
}
export interface NavEntry {
  path: string;
  labelKey: string;
  permission?: Permission;
  /** Sort key; lower first. */
  order: number;
}
export interface FeatureModule {
  id: string;
  routes: FeatureRoute[];
  nav: NavEntry[];
}

export const FEATURES: FeatureModule[] = [
  securityFeature,
  homeFeature,
  adminFeature,
  consultationsFeature,
  patientsFeature,
  inboxFeature,
  statsFeature,
  roundsFeature,
  reportsFeature,
  dashboardFeature,
  imagingFeature,
  syncFeature,
];
