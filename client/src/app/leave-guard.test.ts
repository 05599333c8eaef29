import { describe, expect, it } from 'vitest';
import { guardLeaving, holdPage, pageHeld } from './leave-guard';

/** What the browser does before the page is left: a cancelable beforeunload; it asks when that is cancelled. */
function leave(target: EventTarget): { asked: boolean } {
  const e = new Event('beforeunload', { cancelable: true });
  target.dispatchEvent(e);
  return { asked: e.defaultPrevented };
}

describe('asking before the page is left', () => {
  const page = new EventTarget();
  guardLeaving(page);

  it('asks only while some work holds the page, and until the last hold is released', () => {
    expect(leave(page).asked).toBe(false);
    const upload = holdPage();
    const write = holdPage();
    expect(leave(page).asked).toBe(true);
    upload();
    expect(leave(page).asked).toBe(true);
    upload(); // a second release of the same hold releases nothing else
    expect(pageHeld()).toBe(true);
    write();
    expect(leave(page).asked).toBe(false);
  });
});
