import { ChangeDetectionStrategy, Component, computed, inject, linkedSignal, resource } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatTableModule } from '@angular/material/table';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { map } from 'rxjs';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { AuditLogDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { TableRegion } from '../../shared/table-region';
import { TimeAgo } from '../../shared/time';

const PAGE_SIZE = 50;

/**
 * State changes, newest first, a page at a time: the cursors of the pages seen make "Newer" work.
 * The actor and action filters (exact match) live in the URL (`?actor=…&action=…`).
 */
@Component({
  selector: 'tomo-audit-log-page',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatTableModule,
    RouterLink,
    LoadState,
    TableRegion,
    TimeAgo,
  ],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Audit log</h1>
      <p class="subtitle">Every change, who made it and how it ended, newest first.</p>
    </header>
    <div class="filters" role="search" aria-label="Filter the audit log">
      <mat-form-field subscriptSizing="dynamic">
        <mat-label>Actor</mat-label>
        <input
          matInput
          autocomplete="off"
          [value]="filter().actor ?? ''"
          (change)="setFilter('actor', $any($event.target).value)"
        />
      </mat-form-field>
      <mat-form-field subscriptSizing="dynamic">
        <mat-label>Action</mat-label>
        <input
          matInput
          autocomplete="off"
          [value]="filter().action ?? ''"
          (change)="setFilter('action', $any($event.target).value)"
        />
      </mat-form-field>
    </div>
    <tomo-load-state
      what="the audit log"
      [loading]="entries.isLoading() && !entries.hasValue()"
      [error]="entries.error() ? message(entries.error()) : undefined"
      [empty]="entries.value()?.nodes?.length === 0"
      [emptyTitle]="filter().actor || filter().action ? 'No entries match these filters' : 'Nothing recorded yet'"
      (retry)="entries.reload()"
    >
      <tomo-table-region label="Audit log">
        <table mat-table [dataSource]="entries.value()?.nodes ?? []" class="table">
          <caption class="visually-hidden">
            Audit log, page
            {{
              page()
            }}
          </caption>
          <ng-container matColumnDef="at">
            <th mat-header-cell *matHeaderCellDef scope="col">When</th>
            <td mat-cell *matCellDef="let e"><tomo-time [value]="e.at" /></td>
          </ng-container>
          <ng-container matColumnDef="actor">
            <th mat-header-cell *matHeaderCellDef scope="col">Who</th>
            <td mat-cell *matCellDef="let e">
              {{ e.actorName ?? e.actorType }} <span class="muted mono">{{ e.ip }}</span>
            </td>
          </ng-container>
          <ng-container matColumnDef="action">
            <th mat-header-cell *matHeaderCellDef scope="col">Action</th>
            <td mat-cell *matCellDef="let e" class="mono">{{ e.action }}</td>
          </ng-container>
          <ng-container matColumnDef="target">
            <th mat-header-cell *matHeaderCellDef scope="col">Target</th>
            <td mat-cell *matCellDef="let e">
              {{ e.targetType ?? '' }} <span class="mono">{{ e.targetId ?? '' }}</span>
            </td>
          </ng-container>
          <ng-container matColumnDef="outcome">
            <th mat-header-cell *matHeaderCellDef scope="col">Outcome</th>
            <td mat-cell *matCellDef="let e">
              {{ e.outcome === 'SUCCESS' ? 'Done' : 'Failed' }}
              @if (e.errorCode) {
                <span class="mono">({{ e.errorCode }})</span>
              }
            </td>
          </ng-container>
          <tr mat-header-row *matHeaderRowDef="columns"></tr>
          <tr mat-row *matRowDef="let row; columns: columns"></tr>
        </table>
      </tomo-table-region>
      <nav class="pager" aria-label="Audit log pages">
        <button mat-stroked-button type="button" [disabled]="cursors().length === 1" (click)="newer()">Newer</button>
        <span>Page {{ page() }}</span>
        <button mat-stroked-button type="button" [disabled]="!entries.value()?.pageInfo?.hasNextPage" (click)="older()">
          Older
        </button>
      </nav>
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
      margin-bottom: 16px;
    }
    .filters mat-form-field {
      width: 220px;
      max-width: 100%;
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
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  protected readonly columns = ['at', 'actor', 'action', 'target', 'outcome'];
  protected readonly filter = toSignal(
    this.route.queryParamMap.pipe(
      map((params) => ({ actor: params.get('actor') || null, action: params.get('action') || null })),
    ),
    { requireSync: true },
  );
  /** The `after` cursor of each page seen, the first page's being null; a new filter starts over. */
  protected readonly cursors = linkedSignal<unknown, (string | null)[]>({
    source: this.filter,
    computation: () => [null],
  });
  protected readonly page = computed(() => this.cursors().length);
  protected readonly entries = resource({
    params: () => ({ ...this.filter(), after: this.cursors()[this.cursors().length - 1] }),
    loader: ({ params }) => this.api.query(AuditLogDocument, { first: PAGE_SIZE, ...params }).then((d) => d.auditLog),
  });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected setFilter(param: 'actor' | 'action', value: string): void {
    void this.router.navigate([], {
      relativeTo: this.route,
      queryParams: { [param]: value.trim() || null },
      queryParamsHandling: 'merge',
    });
  }

  protected older(): void {
    const next = this.entries.value()?.pageInfo.endCursor;
    if (next) this.cursors.update((cursors) => [...cursors, next]);
  }

  protected newer(): void {
    this.cursors.update((cursors) => cursors.slice(0, -1));
  }
}
