import { ChangeDetectionStrategy, Component, DestroyRef, inject, resource } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  DeploymentsDocument,
  DeploymentUpdatedDocument,
  JobUpdatedDocument,
} from '../../core/graphql/generated/graphql';
import { upsertById } from '../../shared/upsert';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';

@Component({
  selector: 'tomo-deployments-page',
  imports: [MatTableModule, RouterLink, LoadState, StatusChip, TimeAgo],
  template: `
    <header class="page-header">
      <h1>Deployments</h1>
      <p class="subtitle">Apps installed on your servers.</p>
    </header>
    <tomo-load-state
      what="deployments"
      [loading]="list.isLoading() && !list.hasValue()"
      [error]="list.error() ? message(list.error()) : undefined"
      [empty]="list.value()?.length === 0"
      emptyTitle="No deployments yet"
      (retry)="list.reload()"
    >
      <p empty>Pick an app in <a routerLink="/apps">Apps</a> and deploy it on a server.</p>
      <table mat-table [dataSource]="list.value() ?? []" class="table">
        <caption class="visually-hidden">
          Deployments
        </caption>
        <ng-container matColumnDef="app">
          <th mat-header-cell *matHeaderCellDef scope="col">App</th>
          <td mat-cell *matCellDef="let d">
            <a [routerLink]="['/deployments', d.id]">{{ d.appId }}</a>
          </td>
        </ng-container>
        <ng-container matColumnDef="server">
          <th mat-header-cell *matHeaderCellDef scope="col">Server</th>
          <td mat-cell *matCellDef="let d">{{ d.server?.name ?? '—' }}</td>
        </ng-container>
        <ng-container matColumnDef="status">
          <th mat-header-cell *matHeaderCellDef scope="col">Status</th>
          <td mat-cell *matCellDef="let d"><tomo-status-chip [status]="d.status" /></td>
        </ng-container>
        <ng-container matColumnDef="urls">
          <th mat-header-cell *matHeaderCellDef scope="col">Access</th>
          <td mat-cell *matCellDef="let d">
            @for (url of d.accessUrls; track url) {
              <a [href]="url" target="_blank" rel="noopener noreferrer">{{ url }}</a>
            } @empty {
              —
            }
          </td>
        </ng-container>
        <ng-container matColumnDef="lastJob">
          <th mat-header-cell *matHeaderCellDef scope="col">Last job</th>
          <td mat-cell *matCellDef="let d">
            @if (d.lastJob; as j) {
              <a [routerLink]="['/jobs', j.id]">{{ j.kind }}</a> <tomo-time [value]="j.createdAt" />
            } @else {
              —
            }
          </td>
        </ng-container>
        <tr mat-header-row *matHeaderRowDef="columns"></tr>
        <tr mat-row *matRowDef="let row; columns: columns"></tr>
      </table>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DeploymentsPage {
  private readonly api = inject(Api);
  protected readonly columns = ['app', 'server', 'status', 'urls', 'lastJob'];
  protected readonly list = resource({ loader: () => this.api.query(DeploymentsDocument).then((d) => d.deployments) });
  protected readonly message = (error: unknown) => apiError(error).message;

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.api
      .subscribe(DeploymentUpdatedDocument)
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe(({ deploymentUpdated }) => this.list.update((list) => list && upsertById(list, deploymentUpdated)));
    // Removals are not deployment updates: a finished uninstall job drops its row.
    this.api
      .subscribe(JobUpdatedDocument)
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe(({ jobUpdated }) => {
        if (jobUpdated.kind === 'deployment.uninstall' && jobUpdated.status === 'SUCCEEDED') {
          this.list.update((list) => list?.filter((d) => d.id !== jobUpdated.deploymentId));
        }
      });
  }
}
