/**
 * Paging links of a searchset Bundle (FHIR R4 http.html#paging): `self` is the page asked for, `first`, `previous`
 * and `next` are the same search at other `_offset`s (absent where there is no such page). Links keep every other
 * parameter as the client sent it, so following `next` repeats the same search.
 */
import type { BundleLink } from '@medplum/fhirtypes';
import { countOf, offsetOf } from './search';

export function pageLinks(base: string, url: string, total: number): BundleLink[] {
  const self = new URL(url, base);
  const count = countOf(self.searchParams.get('_count') ?? undefined);
  const offset = offsetOf(self.searchParams.get('_offset') ?? undefined);
  const at = (o: number): string => {
    const u = new URL(self);
    u.searchParams.set('_count', String(count));
    u.searchParams.set('_offset', String(o));
    return u.toString();
  };
  const links: BundleLink[] = [{ relation: 'self', url: self.toString() }];
  if (count === 0) return links;
  links.push({ relation: 'first', url: at(0) });
  if (offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  if (offset + count < total) links.push({ relation: 'next', url: at(offset + count) });
  return links;
}
