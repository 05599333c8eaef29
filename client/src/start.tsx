/** The app itself: React and every feature, rendered into #root (main.tsx loads this after boot.ts has run). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { guardLeaving } from './app/leave-guard';

guardLeaving();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
