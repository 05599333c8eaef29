/**
 * The page's entry, kept small: boot.ts first (opened at a round's room, the join starts here), then the app
 * (start.tsx), a chunk of its own that index.html already preloads (vite.config.ts), so it is fetched and compiled
 * alongside, never after, this entry. A room link's join thus waits for neither the app's code nor its render.
 */
import './app/styles.css';
import './boot';

void import('./start');
