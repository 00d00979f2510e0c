import { defer, filter, fromEvent, map, merge, type Observable, of, retry, switchMap, timer } from 'rxjs';
import type { Api } from '../../core/graphql/api';
import { JobEventsDocument, type JobEventFieldsFragment } from '../../core/graphql/generated/graphql';

/**
 * A job's events as they happen. Each (re)subscription asks for what came after the last event the
 * page has (`afterSeq`), so after a dropped connection, or when a background tab becomes visible
 * again (browsers throttle and may close its socket), the timeline catches up with no gap and no
 * duplicate.
 */
export function liveJobEvents(
  api: Api,
  document: Document,
  jobId: string,
  lastSeq: () => number,
): Observable<JobEventFieldsFragment> {
  const visibleAgain = fromEvent(document, 'visibilitychange').pipe(
    filter(() => document.visibilityState === 'visible'),
  );
  return merge(of(null), visibleAgain).pipe(
    switchMap(() =>
      defer(() => api.subscribe(JobEventsDocument, { jobId, afterSeq: lastSeq() })).pipe(
        retry({ delay: (_error, attempt) => timer(Math.min(1_000 * attempt, 10_000)) }),
      ),
    ),
    map((data) => data.jobEvents),
  );
}
