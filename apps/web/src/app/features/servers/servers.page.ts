import { ChangeDetectionStrategy, Component, DestroyRef, inject, resource } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatTableModule } from '@angular/material/table';
import { Router, RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { ServersDocument, ServerUpdatedDocument } from '../../core/graphql/generated/graphql';
import { upsertById } from '../../shared/upsert';
import { Icon } from '../../shared/icon/icon';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { ServerDialog } from './server.dialog';

@Component({
  selector: 'tomo-servers-page',
  imports: [MatButtonModule, MatTableModule, RouterLink, Icon, LoadState, StatusChip, TimeAgo],
  template: `
    <header class="page-header row">
      <div>
        <h1>Servers</h1>
        <p class="subtitle">Machines Tomo manages over SSH.</p>
      </div>
      @if (session.can('Mutation.addServer')) {
        <button mat-flat-button type="button" (click)="add()"><tomo-icon name="add" /> Add server</button>
      }
    </header>
    <tomo-load-state
      what="servers"
      [loading]="servers.isLoading() && !servers.hasValue()"
      [error]="servers.error() ? message(servers.error()) : undefined"
      [empty]="servers.value()?.length === 0"
      emptyTitle="No servers yet"
      (retry)="servers.reload()"
    >
      <p empty>Add a server reachable over SSH to deploy apps on it.</p>
      <table mat-table [dataSource]="servers.value() ?? []" class="table">
        <caption class="visually-hidden">
          Servers
        </caption>
        <ng-container matColumnDef="name">
          <th mat-header-cell *matHeaderCellDef scope="col">Name</th>
          <td mat-cell *matCellDef="let s">
            <a [routerLink]="['/servers', s.id]">{{ s.name }}</a>
          </td>
        </ng-container>
        <ng-container matColumnDef="host">
          <th mat-header-cell *matHeaderCellDef scope="col">Host</th>
          <td mat-cell *matCellDef="let s" class="mono">{{ s.username }}&#64;{{ s.host }}:{{ s.port }}</td>
        </ng-container>
        <ng-container matColumnDef="status">
          <th mat-header-cell *matHeaderCellDef scope="col">Status</th>
          <td mat-cell *matCellDef="let s"><tomo-status-chip [status]="s.status" /></td>
        </ng-container>
        <ng-container matColumnDef="docker">
          <th mat-header-cell *matHeaderCellDef scope="col">Docker</th>
          <td mat-cell *matCellDef="let s">{{ s.dockerVersion ?? '—' }}</td>
        </ng-container>
        <ng-container matColumnDef="lastSeen">
          <th mat-header-cell *matHeaderCellDef scope="col">Last seen</th>
          <td mat-cell *matCellDef="let s"><tomo-time [value]="s.lastSeenAt" /></td>
        </ng-container>
        <tr mat-header-row *matHeaderRowDef="columns"></tr>
        <tr mat-row *matRowDef="let row; columns: columns"></tr>
      </table>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServersPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  protected readonly columns = ['name', 'host', 'status', 'docker', 'lastSeen'];
  protected readonly servers = resource({ loader: () => this.api.query(ServersDocument).then((d) => d.servers) });
  protected readonly message = (error: unknown) => apiError(error).message;

  constructor() {
    // Statuses and facts change on their own (connection tests, metrics): the API pushes them.
    this.api
      .subscribe(ServerUpdatedDocument)
      .pipe(takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(({ serverUpdated }) =>
        this.servers.update(
          (list) => list && upsertById(list, serverUpdated).sort((a, b) => a.name.localeCompare(b.name)),
        ),
      );
  }

  protected add(): void {
    this.dialog
      .open(ServerDialog, { width: '560px' })
      .afterClosed()
      .subscribe((added: { id: string } | undefined) => {
        if (added) void this.router.navigate(['/servers', added.id]);
      });
  }
}
