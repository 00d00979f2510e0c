import { ChangeDetectionStrategy, Component, computed, inject, input, resource } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatChipsModule } from '@angular/material/chips';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { AppsDocument } from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { AppIcon } from './app-icon';

/** The marketplace: search and filters live in the URL, so a filtered view can be bookmarked. */
@Component({
  selector: 'tomo-apps-page',
  imports: [
    FormsModule,
    MatChipsModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    RouterLink,
    AppIcon,
    LoadState,
  ],
  template: `
    <header class="page-header">
      <h1>Apps</h1>
      <p class="subtitle">The catalog of apps you can deploy on your servers.</p>
    </header>
    <div class="filters" role="search">
      <mat-form-field appearance="outline" class="search">
        <mat-label>Search apps</mat-label>
        <input matInput type="search" [ngModel]="search() ?? ''" (ngModelChange)="setFilter({ search: $event })" />
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Category</mat-label>
        <mat-select [value]="category() ?? ''" (valueChange)="setFilter({ category: $event })">
          <mat-option value="">All categories</mat-option>
          @for (c of categories(); track c.name) {
            <mat-option [value]="c.name">{{ c.name }} ({{ c.appCount }})</mat-option>
          }
        </mat-select>
      </mat-form-field>
      @if (tag(); as t) {
        <mat-chip-set aria-label="Tag filter">
          <mat-chip (removed)="setFilter({ tag: '' })">
            Tag: {{ t }}
            <button matChipRemove [attr.aria-label]="'Remove tag filter ' + t">×</button>
          </mat-chip>
        </mat-chip-set>
      }
    </div>
    <tomo-load-state
      what="apps"
      [loading]="data.isLoading() && !data.hasValue()"
      [error]="data.error() ? message(data.error()) : undefined"
      [empty]="apps().length === 0"
      emptyTitle="No app matches"
      (retry)="data.reload()"
    >
      <p empty>Try other words, or clear the filters.</p>
      <ul class="grid" aria-label="Apps">
        @for (app of apps(); track app.id) {
          <li class="card">
            <div class="top">
              <tomo-app-icon [name]="app.name" [iconUrl]="app.iconUrl" />
              <div>
                <h2>
                  <a [routerLink]="['/apps', app.id]">{{ app.name }}</a>
                </h2>
                <p class="meta">
                  <span class="category">{{ app.category }}</span> · v{{ app.version }}
                </p>
              </div>
            </div>
            <p class="description">{{ app.description }}</p>
            <div class="tags">
              @for (t of app.tags; track t) {
                <a
                  class="tag"
                  [routerLink]="[]"
                  [queryParams]="{ tag: t }"
                  queryParamsHandling="merge"
                  [attr.aria-label]="'Filter by tag ' + t"
                  >#{{ t }}</a
                >
              }
            </div>
          </li>
        }
      </ul>
    </tomo-load-state>
  `,
  styleUrl: './apps.page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AppsPage {
  /** Query parameters, bound by the router. */
  readonly search = input<string>();
  readonly category = input<string>();
  readonly tag = input<string>();

  private readonly api = inject(Api);
  private readonly router = inject(Router);
  protected readonly data = resource({
    params: () => ({ search: this.search() || null, category: this.category() || null, tag: this.tag() || null }),
    loader: ({ params }) => this.api.query(AppsDocument, params),
  });
  protected readonly apps = computed(() => (this.data.hasValue() ? this.data.value().apps : []));
  protected readonly categories = computed(() => (this.data.hasValue() ? this.data.value().categories : []));
  protected readonly message = (error: unknown) => apiError(error).message;

  protected setFilter(change: { search?: string; category?: string; tag?: string }): void {
    const queryParams = Object.fromEntries(Object.entries(change).map(([key, value]) => [key, value || null]));
    void this.router.navigate([], { queryParams, queryParamsHandling: 'merge', replaceUrl: true });
  }
}
