import { ChangeDetectionStrategy, Component, computed, inject, resource, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { AuditLogDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { TimeAgo } from '../../shared/time';

const PAGE_SIZE = 50;

/** State changes, newest first, a page at a time: the cursors of the pages seen make "Newer" work. */
@Component({
  selector: 'tomo-audit-log-page',
  imports: [MatButtonModule, MatTableModule, RouterLink, LoadState, TimeAgo],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Audit log</h1>
      <p class="subtitle">Every change, who made it and how it ended, newest first.</p>
    </header>
    <tomo-load-state
      what="the audit log"
      [loading]="entries.isLoading() && !entries.hasValue()"
      [error]="entries.error() ? message(entries.error()) : undefined"
      [empty]="entries.value()?.nodes?.length === 0"
      emptyTitle="Nothing recorded yet"
      (retry)="entries.reload()"
    >
      <div class="scroll" tabindex="0" role="region" aria-label="Audit log">
        <table mat-table [dataSource]="entries.value()?.nodes ?? []" class="table">
          <caption class="visually-hidden">Audit log, page {{ page() }}</caption>
          <ng-container matColumnDef="at">
            <th mat-header-cell *matHeaderCellDef scope="col">When</th>
            <td mat-cell *matCellDef="let e"><tomo-time [value]="e.at" /></td>
          </ng-container>
          <ng-container matColumnDef="actor">
            <th mat-header-cell *matHeaderCellDef scope="col">Who</th>
            <td mat-cell *matCellDef="let e">{{ e.actorName ?? e.actorType }} <span class="muted mono">{{ e.ip }}</span></td>
          </ng-container>
          <ng-container matColumnDef="action">
            <th mat-header-cell *matHeaderCellDef scope="col">Action</th>
            <td mat-cell *matCellDef="let e" class="mono">{{ e.action }}</td>
          </ng-container>
          <ng-container matColumnDef="target">
            <th mat-header-cell *matHeaderCellDef scope="col">Target</th>
            <td mat-cell *matCellDef="let e">{{ e.targetType ?? '' }} <span class="mono">{{ e.targetId ?? '' }}</span></td>
          </ng-container>
          <ng-container matColumnDef="outcome">
            <th mat-header-cell *matHeaderCellDef scope="col">Outcome</th>
            <td mat-cell *matCellDef="let e">{{ e.outcome === 'SUCCESS' ? 'Done' : 'Failed' }} @if (e.errorCode) {<span class="mono">({{ e.errorCode }})</span>}</td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns"></tr>
          <tr mat-row *matRowDef="let row; columns: columns"></tr>
        </table>
      </div>
      <nav class="pager" aria-label="Audit log pages">
        <button mat-stroked-button type="button" [disabled]="cursors().length === 1" (click)="newer()">Newer</button>
        <span>Page {{ page() }}</span>
        <button mat-stroked-button type="button" [disabled]="!entries.value()?.pageInfo?.hasNextPage" (click)="older()">Older</button>
      </nav>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .scroll {
      overflow-x: auto;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
    .pager {
      display: flex;
      align-items: center;
      justify-content: center;
      gap: 16px;
      margin-top: 16px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditLogPage {
  private readonly api = inject(Api);
  protected readonly columns = ['at', 'actor', 'action', 'target', 'outcome'];
  /** The `after` cursor of each page seen, the first page's being null. */
  protected readonly cursors = signal<(string | null)[]>([null]);
  protected readonly page = computed(() => this.cursors().length);
  protected readonly entries = resource({
    params: () => ({ after: this.cursors()[this.cursors().length - 1] }),
    loader: ({ params }) => this.api.query(AuditLogDocument, { first: PAGE_SIZE, after: params.after }).then((d) => d.auditLog),
  });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected older(): void {
    const next = this.entries.value()?.pageInfo.endCursor;
    if (next) this.cursors.update((cursors) => [...cursors, next]);
  }

  protected newer(): void {
    this.cursors.update((cursors) => cursors.slice(0, -1));
  }
}
