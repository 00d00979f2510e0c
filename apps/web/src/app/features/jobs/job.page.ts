import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  DOCUMENT,
  effect,
  type ElementRef,
  inject,
  input,
  signal,
  viewChildren,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Title } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import type { Subscription } from 'rxjs';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  CancelJobDocument,
  JobDocument,
  type JobEventFieldsFragment,
  type JobQuery,
  RetryJobDocument,
} from '../../core/graphql/generated/graphql';
import { TITLE_SUFFIX } from '../../navigation';
import { BusyActions } from '../../shared/busy-actions';
import { Icon } from '../../shared/icon/icon';
import { LoadState } from '../../shared/load-state';
import { StatusChip, statusLabel } from '../../shared/status-chip';
import { duration, now, TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';
import { liveJobEvents } from './job-events';
import { buildTimeline, mergeEvents, type Span } from './timeline';

type Job = Omit<JobQuery['job'], 'events'>;

const ACTIVE = new Set(['QUEUED', 'RUNNING', 'WAITING']);
const FINISHING = /^job\.(succeeded|failed|cancelled)$|^step\./;

/** A job's timeline: history from `job`, then live from `jobEvents(afterSeq)`. */
@Component({
  selector: 'tomo-job-page',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    RouterLink,
    Icon,
    LoadState,
    StatusChip,
    TimeAgo,
  ],
  templateUrl: './job.page.html',
  styleUrls: ['../../shared/page.scss', './job.page.scss'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobPage {
  /** Route parameter. */
  readonly id = input.required<string>();

  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly job = signal<Job | undefined>(undefined);
  protected readonly events = signal<JobEventFieldsFragment[]>([]);
  protected readonly loadError = signal<string | undefined>(undefined);
  private readonly actions = new BusyActions();
  protected readonly busy = this.actions.any;
  protected readonly expanded = signal<string | null>(null);
  protected readonly logSearch = signal('');
  protected readonly follow = signal(true);
  private readonly logViews = viewChildren<ElementRef<HTMLElement>>('log');

  protected readonly rows = computed(() => buildTimeline(this.events()));
  protected readonly active = computed(() => ACTIVE.has(this.job()?.status ?? ''));
  /** The time axis: from queueing to the end (or now, while the job runs). */
  protected readonly axis = computed(() => {
    const job = this.job();
    if (!job) return { from: 0, span: 1 };
    const from = Date.parse(job.createdAt);
    const to = job.finishedAt ? Date.parse(job.finishedAt) : now();
    return { from, span: Math.max(to - from, 1) };
  });
  protected readonly queuedFor = computed(() => {
    const job = this.job();
    if (!job) return '';
    const started = job.startedAt ? Date.parse(job.startedAt) : now();
    return duration(started - Date.parse(job.createdAt));
  });
  protected readonly ranFor = computed(() => {
    const job = this.job();
    if (!job?.startedAt) return '—';
    const end = job.finishedAt ? Date.parse(job.finishedAt) : now();
    return duration(end - Date.parse(job.startedAt));
  });

  constructor() {
    const title = inject(Title);
    effect(() => {
      const job = this.job();
      if (job) title.setTitle(`${statusLabel(job.status)} · ${job.kind}${TITLE_SUFFIX}`);
    });
    // Auto-follow: keep the open log scrolled to its newest line.
    effect(() => {
      this.events();
      const views = this.logViews();
      if (!this.follow()) return;
      queueMicrotask(() => views.forEach((view) => (view.nativeElement.scrollTop = view.nativeElement.scrollHeight)));
    });
    effect(() => {
      void this.load(this.id());
    });
  }

  private async load(id: string): Promise<void> {
    this.loadError.set(undefined);
    if (this.job()?.id !== id) {
      // Another job in the same view (after Retry): start from its own history.
      this.live?.unsubscribe();
      this.live = undefined;
      this.job.set(undefined);
      this.events.set([]);
    }
    try {
      const { job } = await this.api.query(JobDocument, { id });
      const { events, ...summary } = job;
      this.job.set(summary);
      this.events.update((known) => mergeEvents(known, events));
      if (ACTIVE.has(job.status)) this.follow$(id);
    } catch (error) {
      this.loadError.set(apiError(error).message);
    }
  }

  private live: Subscription | undefined;
  private readonly document = inject(DOCUMENT);
  private follow$(id: string): void {
    if (this.live) return;
    this.live = liveJobEvents(this.api, this.document, id, () => this.events().at(-1)?.seq ?? 0)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe((event) => {
        this.events.update((known) => mergeEvents(known, [event]));
        this.job.update((job) => (job ? { ...job, status: event.status } : job));
        // Steps, durations and errors come with the job: refresh it when a step or the job moves.
        if (FINISHING.test(event.type) && event.type !== 'step.log') void this.refreshSummary(id);
      });
  }

  private async refreshSummary(id: string): Promise<void> {
    const { job } = await this.api.query(JobDocument, { id });
    const { events, ...summary } = job;
    this.job.set(summary);
    this.events.update((known) => mergeEvents(known, events));
  }

  protected reload(): void {
    void this.load(this.id());
  }

  protected left(span: Span): string {
    const { from, span: total } = this.axis();
    return `${((span.from - from) / total) * 100}%`;
  }

  protected width(span: Span): string {
    const { from, span: total } = this.axis();
    const to = span.to ?? now();
    // Never past the end of the track (clocks of API and worker may differ by a few ms).
    const room = 100 - ((span.from - from) / total) * 100;
    return `max(4px, ${Math.min(((to - span.from) / total) * 100, room)}%)`;
  }

  protected spanLabel(step: string | null, span: Span): string {
    const length = duration((span.to ?? now()) - span.from);
    switch (span.kind) {
      case 'queue':
        return `Queued ${length}`;
      case 'wait':
        return `Waited ${length}: ${span.message ?? ''}`;
      case 'run':
        return `${step} attempt ${span.attempt}: ${span.outcome ?? 'running'}, ${length}`;
      case 'retry-wait':
        return `${step}: waiting to retry, ${length}`;
      case 'compensate':
        return `${step}: compensation ${span.outcome}`;
    }
  }

  protected stepOf(name: string | null) {
    return this.job()?.steps.find((s) => s.name === name);
  }

  protected countdown(at: string | null | undefined): string | null {
    if (!at) return null;
    const left = Date.parse(at) - now();
    return left > 0 ? duration(left) : null;
  }

  protected logLines(step: string): JobEventFieldsFragment[] {
    const search = this.logSearch().toLowerCase();
    return this.events().filter(
      (e) =>
        e.step === step &&
        (e.type === 'step.log' || e.type.startsWith('step.')) &&
        e.message.toLowerCase().includes(search),
    );
  }

  protected toggle(step: string): void {
    this.expanded.update((open) => (open === step ? null : step));
  }

  protected async cancel(): Promise<void> {
    await this.actions.run(this.id(), async () => {
      await this.api.mutate(CancelJobDocument, { id: this.id() });
      this.toasts.info('Cancelling the job');
    });
  }

  protected async retry(): Promise<void> {
    await this.actions.run(this.id(), async () => {
      const { retryJob } = await this.api.mutate(RetryJobDocument, { id: this.id() });
      await this.router.navigate(['/jobs', retryJob.id]);
    });
  }
}
