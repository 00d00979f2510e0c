import { ChangeDetectionStrategy, Component, DestroyRef, inject, resource } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { JobsDocument, JobUpdatedDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';

@Component({
  selector: 'tomo-jobs-page',
  imports: [MatTableModule, RouterLink, LoadState, StatusChip, TimeAgo],
  template: `
    <header class="page-header">
      <h1>Jobs</h1>
      <p class="subtitle">Every action that touched a server, newest first.</p>
    </header>
    <tomo-load-state
      what="jobs"
      [loading]="jobs.isLoading() && !jobs.hasValue()"
      [error]="jobs.error() ? message(jobs.error()) : undefined"
      [empty]="jobs.value()?.length === 0"
      emptyTitle="No jobs yet"
      (retry)="jobs.reload()"
    >
      <p empty>Adding a server or deploying an app starts one.</p>
      <table mat-table [dataSource]="jobs.value() ?? []" class="table">
        <caption class="visually-hidden">Jobs</caption>
        <ng-container matColumnDef="kind">
          <th mat-header-cell *matHeaderCellDef scope="col">Job</th>
          <td mat-cell *matCellDef="let j"><a [routerLink]="['/jobs', j.id]">{{ j.kind }}</a></td>
        </ng-container>
        <ng-container matColumnDef="status">
          <th mat-header-cell *matHeaderCellDef scope="col">Status</th>
          <td mat-cell *matCellDef="let j"><tomo-status-chip [status]="j.status" /></td>
        </ng-container>
        <ng-container matColumnDef="by">
          <th mat-header-cell *matHeaderCellDef scope="col">Asked by</th>
          <td mat-cell *matCellDef="let j">{{ j.requestedBy ?? 'system' }}</td>
        </ng-container>
        <ng-container matColumnDef="created">
          <th mat-header-cell *matHeaderCellDef scope="col">Queued</th>
          <td mat-cell *matCellDef="let j"><tomo-time [value]="j.createdAt" /></td>
        </ng-container>
        <tr mat-header-row *matHeaderRowDef="columns"></tr>
        <tr mat-row *matRowDef="let row; columns: columns"></tr>
      </table>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobsPage {
  private readonly api = inject(Api);
  protected readonly columns = ['kind', 'status', 'by', 'created'];
  protected readonly jobs = resource({
    loader: () => this.api.query(JobsDocument, { first: 50 }).then((d) => d.jobs.edges.map((e) => e.node)),
  });
  protected readonly message = (error: unknown) => apiError(error).message;

  constructor() {
    this.api
      .subscribe(JobUpdatedDocument)
      .pipe(takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(() => this.jobs.reload());
  }
}
