/**
 * Synchronized viewing in rounds (issue 8). No routes of its own: the round room embeds `SyncPanel`.
 * Registering the module keeps its messages in the translation parity check.
 */
import type { FeatureModule } from '../../app/features';
import './messages';

export { SyncPanel } from './SyncPanel';

export const syncFeature: FeatureModule = { id: 'sync', routes: [], nav: [] };
