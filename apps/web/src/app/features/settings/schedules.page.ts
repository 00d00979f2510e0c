import { ChangeDetectionStrategy, Component, inject, resource } from '@angular/core';
import { MatTableModule } from '@angular/material/table';
import { Router, RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  PauseScheduleDocument,
  RunScheduleDocument,
  SchedulesDocument,
  type SchedulesQuery,
} from '../../core/graphql/generated/graphql';
import { BusyActions } from '../../shared/busy-actions';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { StatusChip } from '../../shared/status-chip';
import { TableRegion } from '../../shared/table-region';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';

type ScheduleRow = SchedulesQuery['schedules'][number];

/** 86400 → "24 h", 300 → "5 min": intervals are whole hours or minutes, rarely seconds. */
export function interval(seconds: number): string {
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** The periodic maintenance workflows: when they run, how the last run ended, pause/resume, run now. */
@Component({
  selector: 'tomo-schedules-page',
  imports: [MatTableModule, RouterLink, LoadState, RowAction, StatusChip, TableRegion, TimeAgo],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Schedules</h1>
      <p class="subtitle">Maintenance Tomo runs on its own.</p>
    </header>
    <tomo-load-state
      what="schedules"
      [loading]="schedules.isLoading() && !schedules.hasValue()"
      [error]="schedules.error() ? message(schedules.error()) : undefined"
      [empty]="schedules.value()?.length === 0"
      emptyTitle="No schedules"
      (retry)="schedules.reload()"
    >
      <tomo-table-region label="Schedules">
        <table mat-table [dataSource]="schedules.value() ?? []" class="table">
          <caption class="visually-hidden">
            Schedules
          </caption>
          <ng-container matColumnDef="name">
            <th mat-header-cell *matHeaderCellDef scope="col">Schedule</th>
            <td mat-cell *matCellDef="let s">
              <strong>{{ s.name }}</strong>
              <div class="muted">{{ s.description ?? s.kind }} · every {{ every(s.everySeconds) }}</div>
            </td>
          </ng-container>
          <ng-container matColumnDef="next">
            <th mat-header-cell *matHeaderCellDef scope="col">Next run</th>
            <td mat-cell *matCellDef="let s"><tomo-time [value]="s.nextRunAt" empty="paused" /></td>
          </ng-container>
          <ng-container matColumnDef="last">
            <th mat-header-cell *matHeaderCellDef scope="col">Last run</th>
            <td mat-cell *matCellDef="let s">
              @if (s.lastJobId) {
                <a [routerLink]="['/jobs', s.lastJobId]"><tomo-time [value]="s.lastRunAt" /></a>
              } @else {
                <tomo-time [value]="s.lastRunAt" />
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="result">
            <th mat-header-cell *matHeaderCellDef scope="col">Last result</th>
            <td mat-cell *matCellDef="let s">
              @if (s.lastStatus) {
                <tomo-status-chip [status]="s.lastStatus" />
              } @else {
                —
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef scope="col"><span class="visually-hidden">Actions</span></th>
            <td mat-cell *matCellDef="let s" class="row-actions">
              @if (session.can('Mutation.runSchedule')) {
                <tomo-row-action [name]="'Run now: ' + s.name" [disabled]="busy() === s.name" (pressed)="run(s)"
                  >Run now</tomo-row-action
                >
              }
              @if (session.can('Mutation.pauseSchedule')) {
                <tomo-row-action
                  [name]="(s.paused ? 'Resume: ' : 'Pause: ') + s.name"
                  [disabled]="busy() === s.name"
                  (pressed)="pause(s, !s.paused)"
                  >{{ s.paused ? 'Resume' : 'Pause' }}</tomo-row-action
                >
              }
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns"></tr>
          <tr mat-row *matRowDef="let row; columns: columns"></tr>
        </table>
      </tomo-table-region>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .muted {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    .row-actions {
      white-space: nowrap;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SchedulesPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  protected readonly columns = ['name', 'next', 'last', 'result', 'actions'];
  protected readonly schedules = resource({ loader: () => this.api.query(SchedulesDocument).then((d) => d.schedules) });
  private readonly actions = new BusyActions();
  /** The name of the schedule being run or paused. */
  protected readonly busy = this.actions.busy;
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly every = interval;

  protected async run(schedule: ScheduleRow): Promise<void> {
    await this.actions.run(schedule.name, async () => {
      const { runSchedule } = await this.api.mutate(RunScheduleDocument, { name: schedule.name });
      await this.router.navigate(['/jobs', runSchedule.id]);
    });
  }

  protected async pause(schedule: ScheduleRow, paused: boolean): Promise<void> {
    await this.actions.run(schedule.name, async () => {
      const { pauseSchedule } = await this.api.mutate(PauseScheduleDocument, { name: schedule.name, paused });
      this.toasts.info(`${paused ? 'Paused' : 'Resumed'} ${schedule.name}`);
      this.schedules.value.update((schedules) =>
        schedules?.map((s) => (s.name === pauseSchedule.name ? pauseSchedule : s)),
      );
    });
  }
}
