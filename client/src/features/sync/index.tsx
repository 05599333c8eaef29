/**
 * Synchronized viewing in rounds (issue 8). No routes of its own: the round room embeds `SyncPanel`.
 * Registering the module keeps its messages in the translation parity check.
 */
import type { FeatureModule } from '../../app/features';
import './messages';

// SyncPanel is imported by the round room from './SyncPanel' directly: re-exporting it here would pull the viewer
// (cornerstone and its codecs) into the main bundle.

export const syncFeature: FeatureModule = { id: 'sync', routes: [], nav: [] };
