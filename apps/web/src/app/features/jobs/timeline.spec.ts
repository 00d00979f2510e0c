import type { JobEventFieldsFragment } from '../../core/graphql/generated/graphql';
import { buildTimeline, mergeEvents } from './timeline';

let seq = 0;
function event(type: string, second: number, step: string | null = null, message = ''): JobEventFieldsFragment {
  seq += 1;
  return {
    jobId: 'j',
    seq,
    type,
    step,
    message,
    status: 'RUNNING',
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  };
}
const t = (second: number) => Date.UTC(2026, 0, 1, 0, 0, second);

describe('buildTimeline', () => {
  beforeEach(() => (seq = 0));

  it('keeps the queue wait apart from run time and gives each attempt its own span', () => {
    const rows = buildTimeline([
      event('job.queued', 0),
      event('job.started', 2),
      event('step.started', 2, 'pull'),
      event('step.retrying', 3, 'pull', 'registry timeout'),
      event('step.started', 8, 'pull'),
      event('step.succeeded', 9, 'pull'),
      event('step.started', 9, 'start'),
      event('step.started', 9, 'volumes'),
      event('step.skipped', 10, 'volumes', 'nothing to create'),
    ]);
    expect(rows).toEqual([
      { step: null, spans: [{ kind: 'queue', from: t(0), to: t(2), message: '' }] },
      {
        step: 'pull',
        spans: [
          { kind: 'run', from: t(2), to: t(3), attempt: 1, outcome: 'retrying', message: 'registry timeout' },
          { kind: 'retry-wait', from: t(3), to: t(8), message: 'registry timeout' },
          { kind: 'run', from: t(8), to: t(9), attempt: 2, outcome: 'succeeded', message: '' },
        ],
      },
      { step: 'start', spans: [{ kind: 'run', from: t(9), to: null, attempt: 1 }] },
      {
        step: 'volumes',
        spans: [{ kind: 'run', from: t(9), to: t(10), attempt: 1, outcome: 'skipped', message: 'nothing to create' }],
      },
    ]);
  });

  it('shows a lock wait still going, a failed attempt and a compensation', () => {
    const rows = buildTimeline([
      event('step.started', 0, 'volumes'),
      event('step.failed', 1, 'volumes', 'disk full'),
      event('step.compensated', 2, 'volumes', 'removed'),
      event('job.waiting', 3, null, 'waiting for the server lock'),
    ]);
    expect(rows[0].spans).toEqual([{ kind: 'wait', from: t(3), to: null, message: 'waiting for the server lock' }]);
    expect(rows[1].spans.map((s) => [s.kind, s.outcome])).toEqual([
      ['run', 'failed'],
      ['compensate', 'succeeded'],
    ]);
  });
});

describe('mergeEvents', () => {
  it('appends only events after the last known seq, so a replay after a reconnect adds nothing twice', () => {
    const a = event('job.queued', 0);
    const b = event('job.started', 1);
    const c = event('step.started', 2, 'x');
    expect(mergeEvents([a, b], [b, c]).map((e) => e.seq)).toEqual([a.seq, b.seq, c.seq]);
    expect(mergeEvents([a, b, c], [b])).toEqual([a, b, c]);
  });
});
