import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, resource, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { FINISHED_JOB_STATUSES, JobKind, JobStatus } from '@tomo/shared';
import { map } from 'rxjs';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  CancelJobDocument,
  JobsDocument,
  type JobsFilter,
  type JobsQuery,
  JobUpdatedDocument,
  RetryJobDocument,
  ServersDocument,
} from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { TableRegion } from '../../shared/table-region';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';

type JobRow = JobsQuery['jobs']['edges'][number]['node'];

const PAGE_SIZE = 25;
const STATUSES = Object.values(JobStatus);
const KINDS = Object.values(JobKind).sort();

/**
 * Every job, newest first, filtered by status, kind and server (kept in the URL so a filtered list
 * can be bookmarked and shared), one page of 25 at a time ("Load more" follows the cursor). Rows
 * stay live through `jobUpdated`: a shown job changes in place, a new matching one appears on top.
 */
@Component({
  selector: 'tomo-jobs-list-page',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatSelectModule,
    MatTableModule,
    RouterLink,
    LoadState,
    TableRegion,
    StatusChip,
    TimeAgo,
  ],
  template: `
    <header class="page-header">
      <h1>Jobs</h1>
      <p class="subtitle">Every action that touched a server, newest first.</p>
    </header>
    <form class="filters" aria-label="Filter jobs">
      <mat-form-field subscriptSizing="dynamic">
        <mat-label>Status</mat-label>
        <mat-select [value]="filter().status ?? ''" (valueChange)="setFilter('status', $event)">
          <mat-option value="">Any status</mat-option>
          @for (status of statuses; track status) {
            <mat-option [value]="status">{{ status }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <mat-form-field subscriptSizing="dynamic">
        <mat-label>Kind</mat-label>
        <mat-select [value]="filter().kind ?? ''" (valueChange)="setFilter('kind', $event)">
          <mat-option value="">Any kind</mat-option>
          @for (kind of kinds; track kind) {
            <mat-option [value]="kind">{{ kind }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <mat-form-field subscriptSizing="dynamic">
        <mat-label>Server</mat-label>
        <mat-select [value]="filter().serverId ?? ''" (valueChange)="setFilter('serverId', $event)">
          <mat-option value="">Any server</mat-option>
          @for (server of servers.value() ?? []; track server.id) {
            <mat-option [value]="server.id">{{ server.name }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
    </form>
    <tomo-load-state
      what="jobs"
      [loading]="firstPage.isLoading() && !firstPage.hasValue()"
      [error]="firstPage.error() ? message(firstPage.error()) : undefined"
      [empty]="rows().length === 0"
      [emptyTitle]="filtered() ? 'No job matches these filters' : 'No jobs yet'"
      (retry)="firstPage.reload()"
    >
      <p empty>Adding a server or deploying an app starts one.</p>
      <tomo-table-region label="Jobs">
        <table mat-table [dataSource]="rows()" class="table">
          <caption class="visually-hidden">
            Jobs
          </caption>
          <ng-container matColumnDef="kind">
            <th mat-header-cell *matHeaderCellDef scope="col">Job</th>
            <td mat-cell *matCellDef="let j">
              <a [routerLink]="['/jobs', j.id]">{{ j.kind }}</a>
            </td>
          </ng-container>
          <ng-container matColumnDef="status">
            <th mat-header-cell *matHeaderCellDef scope="col">Status</th>
            <td mat-cell *matCellDef="let j"><tomo-status-chip [status]="j.status" /></td>
          </ng-container>
          <ng-container matColumnDef="server">
            <th mat-header-cell *matHeaderCellDef scope="col">Server</th>
            <td mat-cell *matCellDef="let j">
              @if (j.serverId) {
                <a [routerLink]="['/servers', j.serverId]">{{ serverNames().get(j.serverId) ?? 'server' }}</a>
              } @else {
                —
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="by">
            <th mat-header-cell *matHeaderCellDef scope="col">Asked by</th>
            <td mat-cell *matCellDef="let j">{{ j.requestedBy ?? 'system' }}</td>
          </ng-container>
          <ng-container matColumnDef="created">
            <th mat-header-cell *matHeaderCellDef scope="col">Queued</th>
            <td mat-cell *matCellDef="let j"><tomo-time [value]="j.createdAt" /></td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef scope="col"><span class="visually-hidden">Actions</span></th>
            <td mat-cell *matCellDef="let j">
              @if (!finished(j) && session.can('Mutation.cancelJob')) {
                <button
                  mat-button
                  type="button"
                  [attr.aria-label]="'Cancel ' + j.kind + ' job'"
                  [disabled]="busy() === j.id"
                  (click)="cancel(j)"
                >
                  Cancel
                </button>
              } @else if ((j.status === 'FAILED' || j.status === 'CANCELLED') && session.can('Mutation.retryJob')) {
                <button
                  mat-button
                  type="button"
                  [attr.aria-label]="'Retry ' + j.kind + ' job'"
                  [disabled]="busy() === j.id"
                  (click)="retry(j)"
                >
                  Retry
                </button>
              }
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns"></tr>
          <tr mat-row *matRowDef="let row; columns: columns"></tr>
        </table>
      </tomo-table-region>
      @if (nextCursor()) {
        <div class="more">
          <button mat-stroked-button type="button" [disabled]="loadingMore()" (click)="loadMore()">Load more</button>
        </div>
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
      margin-bottom: 16px;
    }
    .filters mat-form-field {
      width: 220px;
      max-width: 100%;
    }
    .more {
      display: flex;
      justify-content: center;
      margin-top: 16px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobsListPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  protected readonly statuses = STATUSES;
  protected readonly kinds = KINDS;
  protected readonly columns = ['kind', 'status', 'server', 'by', 'created', 'actions'];

  /** The filters, read from the URL's query parameters (`?status=FAILED&kind=…&server=…`). */
  protected readonly filter = toSignal(
    this.route.queryParamMap.pipe(
      map((params): JobsFilter => {
        const status = params.get('status');
        return {
          status: STATUSES.includes(status as JobStatus) ? (status as JobStatus) : undefined,
          kind: params.get('kind') || undefined,
          serverId: params.get('server') || undefined,
        };
      }),
    ),
    { requireSync: true },
  );
  protected readonly filtered = computed(() => Object.values(this.filter()).some((value) => value !== undefined));

  protected readonly servers = resource({ loader: () => this.api.query(ServersDocument).then((d) => d.servers) });
  protected readonly serverNames = computed(() => new Map((this.servers.value() ?? []).map((s) => [s.id, s.name])));

  protected readonly firstPage = resource({
    params: () => this.filter(),
    loader: ({ params }) => this.api.query(JobsDocument, { first: PAGE_SIZE, filter: params }).then((d) => d.jobs),
  });
  /** Pages loaded with "Load more" after the first, and live changes, applied over the first page. */
  private readonly extra = signal<{
    rows: JobRow[];
    cursor: string | null | undefined;
    live: Map<string, JobRow>;
    added: JobRow[];
  }>({
    rows: [],
    cursor: undefined,
    live: new Map(),
    added: [],
  });
  protected readonly rows = computed(() => {
    const page = this.firstPage.value();
    if (!page) return [];
    const { rows, live, added } = this.extra();
    return [...added, ...page.edges.map((e) => e.node), ...rows].map((row) => live.get(row.id) ?? row);
  });
  protected readonly nextCursor = computed(() => {
    const page = this.firstPage.value();
    const { cursor } = this.extra();
    if (cursor !== undefined) return cursor;
    return page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  });
  protected readonly loadingMore = signal(false);
  protected readonly busy = signal<string | null>(null);
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly finished = (job: JobRow) => FINISHED_JOB_STATUSES.includes(job.status as JobStatus);

  constructor() {
    this.route.queryParamMap
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.extra.set({ rows: [], cursor: undefined, live: new Map(), added: [] }));
    this.api
      .subscribe(JobUpdatedDocument)
      .pipe(takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(({ jobUpdated }) => this.applyLive(jobUpdated));
  }

  protected setFilter(key: 'status' | 'kind' | 'serverId', value: string): void {
    const param = key === 'serverId' ? 'server' : key;
    void this.router.navigate([], {
      relativeTo: this.route,
      queryParams: { [param]: value || null },
      queryParamsHandling: 'merge',
    });
  }

  protected async loadMore(): Promise<void> {
    const after = this.nextCursor();
    if (!after) return;
    this.loadingMore.set(true);
    try {
      const { jobs } = await this.api.query(JobsDocument, { first: PAGE_SIZE, after, filter: this.filter() });
      this.extra.update((extra) => ({
        ...extra,
        rows: [...extra.rows, ...jobs.edges.map((e) => e.node)],
        cursor: jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null,
      }));
    } catch (error) {
      this.toasts.error(apiError(error).message);
    } finally {
      this.loadingMore.set(false);
    }
  }

  protected async cancel(job: JobRow): Promise<void> {
    await this.act(job, () => this.api.mutate(CancelJobDocument, { id: job.id }).then(() => 'Cancelling the job'));
  }

  protected async retry(job: JobRow): Promise<void> {
    await this.act(job, async () => {
      const { retryJob } = await this.api.mutate(RetryJobDocument, { id: job.id });
      await this.router.navigate(['/jobs', retryJob.id]);
      return undefined;
    });
  }

  private async act(job: JobRow, run: () => Promise<string | undefined>): Promise<void> {
    this.busy.set(job.id);
    try {
      const notice = await run();
      if (notice) this.toasts.info(notice);
    } catch (error) {
      this.toasts.error(apiError(error).message);
    } finally {
      this.busy.set(null);
    }
  }

  /** A shown job changes in place; a job not shown yet that matches the filters appears on top. */
  private applyLive(job: JobRow): void {
    if (this.rows().some((row) => row.id === job.id)) {
      this.extra.update((extra) => ({ ...extra, live: new Map(extra.live).set(job.id, job) }));
      return;
    }
    const { status, kind, serverId } = this.filter();
    if ((status && job.status !== status) || (kind && job.kind !== kind) || (serverId && job.serverId !== serverId))
      return;
    this.extra.update((extra) => ({ ...extra, added: [job, ...extra.added] }));
  }
}
