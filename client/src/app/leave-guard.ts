/**
 * Leaving the page (a reload, closing the tab, another address) while work the user started is still on its way
 * would lose it: a change not yet answered (api.ts counts them) or files still uploading (the upload page). While
 * any such work holds the page, the browser asks first ("Leave site?"). Moving between the app's own pages is not
 * leaving: the work goes on.
 */
const holds = new Set<object>();

/** Hold the page until the returned function is called (idempotent). */
export function holdPage(): () => void {
  const hold = {};
  holds.add(hold);
  return () => void holds.delete(hold);
}

/** Whether leaving now would lose work. */
export const pageHeld = (): boolean => holds.size > 0;

/** Ask before the page is left while it is held (once, at start). */
export function guardLeaving(target: Pick<EventTarget, 'addEventListener'> = window): void {
  target.addEventListener('beforeunload', (e) => {
    if (!pageHeld()) return;
    e.preventDefault();
    // Browsers before the standard's preventDefault (Chromium < 119, Safari < 17) ask only when this is set.
    (e as BeforeUnloadEvent).returnValue = '';
  });
}
