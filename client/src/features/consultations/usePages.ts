import { useState } from 'react';
import type { ConsultationPage, ConsultationSummary } from '@consult/shared';
import { useAsync, type AsyncState } from '../../app/useAsync';
import { listConsultations } from './api';

type View = 'all' | 'queue' | 'mine';

export interface ConsultationPages {
  first: AsyncState<ConsultationPage>;
  /** Every row loaded so far: the first page, then the pages "load more" fetched after it. */
  items: ConsultationSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
}

/**
 * The consultation list a page at a time (keyset cursor: each page continues where the last one ended, so
 * rows are neither skipped nor repeated). A reload (live change) starts again from the first page.
 */
export function useConsultationPages(view: View): ConsultationPages {
  const first = useAsync(() => listConsultations(view), [view]);
  const [more, setMore] = useState<{
    after: ConsultationPage;
    items: ConsultationSummary[];
    next: string | null;
  }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const page = first.data;
  const extra = page && more?.after === page ? more : undefined;
  const next = extra ? extra.next : (page?.nextCursor ?? null);
  const loadMore = () => {
    if (!page || !next || loadingMore) return;
    setLoadingMore(true);
    listConsultations(view, `&cursor=${encodeURIComponent(next)}`)
      .then((p) => setMore({ after: page, items: [...(extra?.items ?? []), ...p.items], next: p.nextCursor }))
      .catch(() => first.reload())
      .finally(() => setLoadingMore(false));
  };
  return {
    first,
    items: page ? [...page.items, ...(extra?.items ?? [])] : [],
    hasMore: !!next,
    loadingMore,
    loadMore,
  };
}
