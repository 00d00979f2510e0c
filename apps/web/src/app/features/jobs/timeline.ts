import type { JobEventFieldsFragment } from '../../core/graphql/generated/graphql';

/** One bar of the waterfall: an attempt of a step, a wait, or a compensation. */
export interface Span {
  readonly kind: 'queue' | 'wait' | 'run' | 'retry-wait' | 'compensate';
  readonly from: number;
  /** null while it is still going. */
  readonly to: number | null;
  /** 1, 2… for runs. */
  readonly attempt?: number;
  readonly outcome?: 'succeeded' | 'skipped' | 'failed' | 'cancelled' | 'retrying';
  readonly message?: string;
}

export interface TimelineRow {
  /** null: the job itself (queue and lock waits). */
  readonly step: string | null;
  readonly spans: readonly Span[];
}

const END_OF_ATTEMPT: Record<string, Span['outcome']> = {
  'step.succeeded': 'succeeded',
  // A step with nothing to do (the image is already there) ends its attempt too.
  'step.skipped': 'skipped',
  'step.failed': 'failed',
  'step.cancelled': 'cancelled',
  'step.retrying': 'retrying',
};

/**
 * Turns a job's events (in seq order) into waterfall rows on one time axis: the job's row holds
 * its queue and lock waits, each step's row one span per attempt, the waits between retries, and
 * its compensation.
 */
export function buildTimeline(events: readonly JobEventFieldsFragment[]): TimelineRow[] {
  const job: Span[] = [];
  const steps = new Map<string, Span[]>();
  let waitingSince: { from: number; kind: 'queue' | 'wait'; message: string } | null = null;
  const spansOf = (step: string) => {
    let spans = steps.get(step);
    if (!spans) steps.set(step, (spans = []));
    return spans;
  };
  const closeLast = (spans: Span[], kind: Span['kind'], to: number, patch: Partial<Span> = {}) => {
    const last = spans[spans.length - 1];
    if (last?.kind === kind && last.to === null) spans[spans.length - 1] = { ...last, to, ...patch };
  };

  for (const event of events) {
    const at = Date.parse(event.at);
    if (event.step === null || event.step === undefined) {
      if (event.type === 'job.queued' || event.type === 'job.requeued' || event.type === 'job.waiting') {
        waitingSince ??= { from: at, kind: event.type === 'job.waiting' ? 'wait' : 'queue', message: event.message };
      } else if (
        waitingSince &&
        (event.type === 'job.started' ||
          event.type === 'job.resumed' ||
          /^job\.(succeeded|failed|cancelled)$/.test(event.type))
      ) {
        job.push({ kind: waitingSince.kind, from: waitingSince.from, to: at, message: waitingSince.message });
        waitingSince = null;
      }
      continue;
    }
    const spans = spansOf(event.step);
    if (event.type === 'step.started') {
      closeLast(spans, 'retry-wait', at);
      const attempt = spans.filter((s) => s.kind === 'run').length + 1;
      spans.push({ kind: 'run', from: at, to: null, attempt });
    } else if (event.type in END_OF_ATTEMPT) {
      closeLast(spans, 'run', at, { outcome: END_OF_ATTEMPT[event.type], message: event.message });
      if (event.type === 'step.retrying')
        spans.push({ kind: 'retry-wait', from: at, to: null, message: event.message });
    } else if (event.type === 'step.compensated' || event.type === 'step.compensation-failed') {
      spans.push({
        kind: 'compensate',
        from: at,
        to: at,
        outcome: event.type === 'step.compensated' ? 'succeeded' : 'failed',
        message: event.message,
      });
    }
  }
  if (waitingSince)
    job.push({ kind: waitingSince.kind, from: waitingSince.from, to: null, message: waitingSince.message });
  return [{ step: null, spans: job }, ...[...steps].map(([step, spans]) => ({ step, spans }))];
}

/** Adds events that arrived live to those already known: by seq, none twice, in order. */
export function mergeEvents(
  known: readonly JobEventFieldsFragment[],
  arriving: readonly JobEventFieldsFragment[],
): JobEventFieldsFragment[] {
  const last = known.length > 0 ? known[known.length - 1].seq : 0;
  const fresh = arriving.filter((event) => event.seq > last);
  return fresh.length === 0 ? [...known] : [...known, ...fresh].sort((a, b) => a.seq - b.seq);
}
