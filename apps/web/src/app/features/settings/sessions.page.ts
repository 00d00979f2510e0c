import { ChangeDetectionStrategy, Component, inject, resource } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { RevokeSessionDocument, SessionsDocument, type SessionsQuery } from '../../core/graphql/generated/graphql';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { TableRegion } from '../../shared/table-region';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';

type SessionRow = SessionsQuery['sessions'][number];

/** Where you are signed in (everyone's sessions for an admin), each can be ended at once. */
@Component({
  selector: 'tomo-sessions-page',
  imports: [MatTableModule, RouterLink, LoadState, RowAction, TableRegion, TimeAgo],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Sessions</h1>
      <p class="subtitle">Browsers signed in. End a session you do not recognise.</p>
    </header>
    <tomo-load-state
      what="sessions"
      [loading]="sessions.isLoading() && !sessions.hasValue()"
      [error]="sessions.error() ? message(sessions.error()) : undefined"
      [empty]="sessions.value()?.length === 0"
      emptyTitle="No sessions"
      (retry)="sessions.reload()"
    >
      <tomo-table-region label="Sessions">
        <table mat-table [dataSource]="sessions.value() ?? []" class="table">
          <caption class="visually-hidden">
            Sessions
          </caption>
          <ng-container matColumnDef="user">
            <th mat-header-cell *matHeaderCellDef scope="col">User</th>
            <td mat-cell *matCellDef="let s">
              {{ s.username }}
              @if (s.current) {
                <strong>(this browser)</strong>
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="client">
            <th mat-header-cell *matHeaderCellDef scope="col">Client</th>
            <td mat-cell *matCellDef="let s">
              <span class="mono">{{ s.ip ?? '—' }}</span> {{ browser(s.userAgent) }}
            </td>
          </ng-container>
          <ng-container matColumnDef="since">
            <th mat-header-cell *matHeaderCellDef scope="col">Signed in</th>
            <td mat-cell *matCellDef="let s"><tomo-time [value]="s.createdAt" /></td>
          </ng-container>
          <ng-container matColumnDef="active">
            <th mat-header-cell *matHeaderCellDef scope="col">Last active</th>
            <td mat-cell *matCellDef="let s"><tomo-time [value]="s.lastActivityAt" /></td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef scope="col"><span class="visually-hidden">Actions</span></th>
            <td mat-cell *matCellDef="let s">
              @if (session.can('Mutation.revokeSession')) {
                <tomo-row-action
                  [name]="
                    s.current
                      ? 'Sign out of this browser'
                      : 'End the session of ' + s.username + ' signed in ' + s.createdAt
                  "
                  (pressed)="revoke(s)"
                  >{{ s.current ? 'Sign out of this browser' : 'End' }}</tomo-row-action
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
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SessionsPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly toasts = inject(Toasts);
  protected readonly columns = ['user', 'client', 'since', 'active', 'actions'];
  protected readonly sessions = resource({ loader: () => this.api.query(SessionsDocument).then((d) => d.sessions) });
  protected readonly message = (error: unknown) => apiError(error).message;

  /** "Chrome 131" from a user agent, or the start of it: enough to recognise a browser. */
  protected browser(userAgent: string | null | undefined): string {
    if (!userAgent) return '';
    const known = /(Firefox|Edg|Chrome|Safari)\/(\d+)/.exec(userAgent);
    return known ? `${known[1] === 'Edg' ? 'Edge' : known[1]} ${known[2]}` : userAgent.slice(0, 40);
  }

  protected async revoke(row: SessionRow): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: row.current ? 'Sign out of this browser?' : 'End this session?',
      message: row.current
        ? 'You will have to sign in again.'
        : `The browser of ${row.username} is signed out at once.`,
      confirm: row.current ? 'Sign out' : 'End session',
    });
    if (!confirmed) return;
    try {
      await this.api.mutate(RevokeSessionDocument, { id: row.id });
      if (row.current) {
        window.location.assign('/sign-in');
        return;
      }
      this.toasts.info('Session ended');
      this.sessions.value.update((sessions) => sessions?.filter((s) => s.id !== row.id));
    } catch (error) {
      this.toasts.error(apiError(error).message);
    }
  }
}
