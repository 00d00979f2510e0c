import { ChangeDetectionStrategy, Component, computed, input, inject, resource, signal } from '@angular/core';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { ServerMetricsDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { TimeChart } from '../../shared/time-chart';
import { usageSeries } from './usage-series';

const RANGES = [
  { label: '1 h', ms: 3_600_000 },
  { label: '24 h', ms: 86_400_000 },
  { label: '7 d', ms: 7 * 86_400_000 },
] as const;

type RangeLabel = (typeof RANGES)[number]['label'];

/** A server's CPU, memory and disk use over the last hour, day or week (the server page and the dashboard). */
@Component({
  selector: 'tomo-server-metrics-chart',
  imports: [MatButtonToggleModule, LoadState, TimeChart],
  template: `
    <div class="head">
      <h2>{{ title() }}</h2>
      <mat-button-toggle-group
        [value]="range()"
        (change)="range.set($event.value)"
        [attr.aria-label]="'Range of the ' + title() + ' chart'"
        hideSingleSelectionIndicator
      >
        @for (r of ranges; track r.label) {
          <mat-button-toggle [value]="r.label">{{ r.label }}</mat-button-toggle>
        }
      </mat-button-toggle-group>
    </div>
    <tomo-load-state
      what="metrics"
      [loading]="metrics.isLoading() && !metrics.hasValue()"
      [error]="metrics.error() ? message(metrics.error()) : undefined"
      (retry)="metrics.reload()"
    >
      @if (metrics.value(); as m) {
        <tomo-time-chart
          [title]="'Use over the last ' + range()"
          [from]="m.from"
          [to]="m.to"
          [times]="usage().times"
          [series]="usage().series"
        />
      }
    </tomo-load-state>
  `,
  styles: `
    :host {
      display: block;
    }
    .head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      flex-wrap: wrap;
      gap: 8px;
      margin-bottom: 8px;
    }
    h2 {
      margin: 0;
      font: var(--mat-sys-title-medium);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerMetricsChart {
  readonly serverId = input.required<string>();
  readonly title = input('Resource use');
  private readonly api = inject(Api);
  protected readonly ranges = RANGES;
  protected readonly range = signal<RangeLabel>('1 h');
  protected readonly metrics = resource({
    params: () => ({ serverId: this.serverId(), range: this.range() }),
    loader: ({ params }) => {
      const to = Date.now();
      const from = to - (RANGES.find((r) => r.label === params.range)?.ms ?? RANGES[0].ms);
      return this.api
        .query(ServerMetricsDocument, { serverId: params.serverId, since: new Date(from).toISOString() })
        .then((d) => ({ from, to, points: d.serverMetrics }));
    },
  });
  protected readonly usage = computed(() => usageSeries(this.metrics.value()?.points ?? []));
  protected readonly message = (error: unknown) => apiError(error).message;
}
