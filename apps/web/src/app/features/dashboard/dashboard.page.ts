import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, resource } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { debounceTime } from 'rxjs';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { DashboardDocument, JobUpdatedDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { ServerMetricsChart } from '../servers/server-metrics-chart';
import { SystemStatusSection } from './system-status-section';

/** Charts for this many servers at most: a page of charts for a fleet would say little. */
const CHARTED_SERVERS = 4;

@Component({
  selector: 'tomo-dashboard-page',
  imports: [RouterLink, LoadState, ServerMetricsChart, StatusChip, SystemStatusSection, TimeAgo],
  template: `
    <header class="page-header">
      <h1>Dashboard</h1>
    </header>
    <tomo-system-status-section />
    <tomo-load-state
      what="the overview"
      [loading]="overview.isLoading() && !overview.hasValue()"
      [error]="overview.error() ? message(overview.error()) : undefined"
      (retry)="overview.reload()"
    >
      @if (overview.value(); as o) {
        <div class="cards">
          <section class="card" aria-labelledby="servers-title">
            <h2 id="servers-title"><a routerLink="/servers">Servers</a></h2>
            <p class="figure">{{ o.dashboard.serverCount }}</p>
            <ul class="counts">
              <li><tomo-status-chip status="ONLINE" /> {{ count(o.dashboard.serversByStatus, 'ONLINE') }}</li>
              <li>
                <tomo-status-chip status="OFFLINE" />
                {{ o.dashboard.serverCount - count(o.dashboard.serversByStatus, 'ONLINE') }}
              </li>
            </ul>
          </section>
          <section class="card" aria-labelledby="deployments-title">
            <h2 id="deployments-title"><a routerLink="/deployments">Deployments</a></h2>
            <p class="figure">{{ o.dashboard.deploymentCount }}</p>
            <ul class="counts">
              @for (s of o.dashboard.deploymentsByStatus; track s.status) {
                <li><tomo-status-chip [status]="s.status" /> {{ s.count }}</li>
              }
            </ul>
          </section>
          <section class="card" aria-labelledby="running-title">
            <h2 id="running-title"><a routerLink="/jobs" [queryParams]="{ status: 'RUNNING' }">Jobs running now</a></h2>
            <p class="figure">{{ o.dashboard.jobs.running }}</p>
            <p class="muted">{{ o.dashboard.jobs.queued }} queued · {{ o.dashboard.jobs.waiting }} waiting</p>
          </section>
          <section class="card" aria-labelledby="day-title">
            <h2 id="day-title">Last 24 hours</h2>
            <ul class="counts">
              <li>
                <a routerLink="/jobs" [queryParams]="{ status: 'SUCCEEDED' }"
                  >{{ o.dashboard.jobs.succeededLast24h }} succeeded</a
                >
              </li>
              <li>
                <a routerLink="/jobs" [queryParams]="{ status: 'FAILED' }"
                  >{{ o.dashboard.jobs.failedLast24h }} failed</a
                >
              </li>
              <li>{{ o.dashboard.jobs.cancelledLast24h }} cancelled</li>
            </ul>
          </section>
        </div>

        <section class="panel" aria-labelledby="failures-title">
          <h2 id="failures-title">Recent failures</h2>
          @for (edge of o.failedJobs.edges; track edge.node.id) {
            <p class="failure">
              <a [routerLink]="['/jobs', edge.node.id]">{{ edge.node.kind }}</a>
              <tomo-time [value]="edge.node.finishedAt" />
              @if (edge.node.error; as e) {
                <span class="muted">{{ e.code }}: {{ e.message }}</span>
              }
            </p>
          } @empty {
            <p class="muted">No failed jobs.</p>
          }
        </section>

        @for (snapshot of charted(); track snapshot.server.id) {
          <tomo-server-metrics-chart class="panel" [serverId]="snapshot.server.id" [title]="snapshot.server.name" />
        }
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(200px, 1fr));
      gap: 16px;
      margin: 24px 0;
    }
    .card {
      padding: 16px 20px;
      border-radius: 16px;
      border: 1px solid var(--mat-sys-outline-variant);
      background: var(--mat-sys-surface-container-low);
    }
    .card h2 {
      font: var(--mat-sys-title-small);
      margin: 0;
    }
    .card h2 a {
      color: inherit;
    }
    .figure {
      font: var(--mat-sys-display-small);
      margin: 8px 0;
    }
    .counts {
      list-style: none;
      padding: 0;
      margin: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
    }
    .counts a {
      color: var(--mat-sys-primary);
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
      margin: 0;
    }
    .failure {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 12px;
      margin: 0 0 8px;
    }
    .failure a {
      color: var(--mat-sys-primary);
      font-weight: 500;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardPage {
  private readonly api = inject(Api);
  protected readonly overview = resource({ loader: () => this.api.query(DashboardDocument) });
  protected readonly charted = computed(() => this.overview.value()?.dashboard.servers.slice(0, CHARTED_SERVERS) ?? []);
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly count = (counts: readonly { status: string; count: number }[], status: string) =>
    counts.find((c) => c.status === status)?.count ?? 0;

  constructor() {
    // Job changes move every figure on this page: read them again, at most once a second.
    this.api
      .subscribe(JobUpdatedDocument)
      .pipe(debounceTime(1_000), takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(() => this.overview.reload());
  }
}
