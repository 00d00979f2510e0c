import { ChangeDetectionStrategy, Component, inject, resource, viewChild } from '@angular/core';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { Router, RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  AddMarketplaceRepoDocument,
  type MarketplaceRepoFieldsFragment,
  MarketplaceReposDocument,
  RemoveMarketplaceRepoDocument,
  SetMarketplaceRepoEnabledDocument,
  SyncMarketplaceRepoDocument,
} from '../../core/graphql/generated/graphql';
import { BusyActions } from '../../shared/busy-actions';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';

/** The git marketplaces: add one, sync it (→ its job), enable/disable, see the last sync's per-app errors, remove. */
@Component({
  selector: 'tomo-marketplace-repos-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSlideToggleModule,
    RouterLink,
    LoadState,
    RowAction,
    StatusChip,
    TimeAgo,
  ],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Marketplace repositories</h1>
      <p class="subtitle">Git repositories whose apps join the catalog.</p>
    </header>

    @if (session.can('Mutation.addMarketplaceRepo')) {
      <section class="panel" aria-labelledby="add-title">
        <h2 id="add-title">Add a repository</h2>
        <form class="form" [formGroup]="form" (ngSubmit)="add()">
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Name</mat-label>
            <input matInput formControlName="name" required maxlength="40" />
            <mat-hint>Lowercase slug; prefixes its app ids.</mat-hint>
            @if (form.controls.name.hasError('required')) {
              <mat-error>A name is required.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic" class="wide">
            <mat-label>Git URL</mat-label>
            <input matInput formControlName="url" required />
            <mat-hint>https://…, ssh://…, user&#64;host:path or an absolute path.</mat-hint>
            @if (form.controls.url.hasError('required')) {
              <mat-error>A URL is required.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Branch</mat-label>
            <input matInput formControlName="branch" />
            <mat-hint>Empty: main.</mat-hint>
          </mat-form-field>
          <div>
            <button mat-flat-button type="submit" [disabled]="busy() === 'add'">Add repository</button>
          </div>
        </form>
      </section>
    }

    <tomo-load-state
      what="marketplace repositories"
      [loading]="repos.isLoading() && !repos.hasValue()"
      [error]="repos.error() ? message(repos.error()) : undefined"
      [empty]="repos.value()?.length === 0"
      emptyTitle="No repositories"
      (retry)="repos.reload()"
    >
      <ul class="repos">
        @for (repo of repos.value() ?? []; track repo.id) {
          <li class="panel">
            <div class="head">
              <h2>{{ repo.name }}</h2>
              @if (repo.lastSyncStatus) {
                <tomo-status-chip [status]="repo.lastSyncStatus" />
              } @else {
                <span class="muted">Never synced</span>
              }
            </div>
            <p class="mono muted">{{ repo.url }}{{ repo.branch ? ' · ' + repo.branch : '' }}</p>
            <p>
              {{ repo.appCount }} apps · last sync
              <tomo-time [value]="repo.lastSyncedAt" empty="never" />
              @if (repo.lastCommit) {
                · commit
                <span class="mono">{{ repo.lastCommit.slice(0, 7) }}</span>
              }
            </p>
            @if (repo.lastSyncError) {
              <p class="error" role="note">{{ repo.lastSyncError }}</p>
            }
            @if (repo.errors.length) {
              <details>
                <summary>{{ repo.errors.length }} app files could not be used</summary>
                <ul class="errors">
                  @for (e of repo.errors; track e.file) {
                    <li>
                      <span class="mono">{{ e.file }}</span>: {{ e.message }}
                    </li>
                  }
                </ul>
              </details>
            }
            <div class="actions">
              @if (session.can('Mutation.setMarketplaceRepoEnabled')) {
                <mat-slide-toggle
                  [checked]="repo.enabled"
                  [disabled]="busy() === repo.id"
                  (change)="setEnabled(repo, $event.checked)"
                >
                  Enabled<span class="visually-hidden">: {{ repo.name }}</span>
                </mat-slide-toggle>
              } @else {
                <span>{{ repo.enabled ? 'Enabled' : 'Disabled' }}</span>
              }
              @if (session.can('Mutation.syncMarketplaceRepo')) {
                <tomo-row-action [name]="'Sync ' + repo.name" [disabled]="busy() === repo.id" (pressed)="sync(repo)"
                  >Sync</tomo-row-action
                >
              }
              @if (!repo.builtIn && session.can('Mutation.removeMarketplaceRepo')) {
                <tomo-row-action [name]="'Remove ' + repo.name" [disabled]="busy() === repo.id" (pressed)="remove(repo)"
                  >Remove</tomo-row-action
                >
              }
            </div>
          </li>
        }
      </ul>
    </tomo-load-state>
  `,
  styleUrls: ['../../shared/page.scss', '../../shared/create-form.scss'],
  styles: `
    .repos {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px 16px;
    }
    .head h2 {
      margin: 0;
    }
    p {
      margin: 4px 0;
      overflow-wrap: anywhere;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      color: var(--mat-sys-error);
    }
    .errors {
      overflow-wrap: anywhere;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px 16px;
      margin-top: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MarketplaceReposPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  private readonly actions = new BusyActions();
  /** 'add' or the id of the repository being changed. */
  protected readonly busy = this.actions.busy;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(40)]],
    url: ['', Validators.required],
    branch: [''],
  });
  /** Resetting through the directive also clears "submitted", so no field shows an error afterwards. */
  private readonly formDirective = viewChild(FormGroupDirective);
  protected readonly repos = resource({
    loader: () => this.api.query(MarketplaceReposDocument).then((d) => d.marketplaceRepos),
  });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected async add(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, url, branch } = this.form.getRawValue();
    await this.actions.run('add', async () => {
      const { addMarketplaceRepo } = await this.api.mutate(AddMarketplaceRepoDocument, {
        input: {
          name: name.trim(),
          url: url.trim(),
          branch: branch.trim() || undefined,
        },
      });
      this.toasts.info(`Added ${addMarketplaceRepo.name}: sync it to import its apps`);
      this.formDirective()?.resetForm({ name: '', url: '', branch: '' });
      this.repos.value.update((repos) => [...(repos ?? []), addMarketplaceRepo]);
    });
  }

  protected async sync(repo: MarketplaceRepoFieldsFragment): Promise<void> {
    await this.actions.run(repo.id, async () => {
      const { syncMarketplaceRepo } = await this.api.mutate(SyncMarketplaceRepoDocument, { id: repo.id });
      await this.router.navigate(['/jobs', syncMarketplaceRepo.id]);
    });
  }

  protected async setEnabled(repo: MarketplaceRepoFieldsFragment, enabled: boolean): Promise<void> {
    await this.actions.run(repo.id, async () => {
      const { setMarketplaceRepoEnabled } = await this.api.mutate(SetMarketplaceRepoEnabledDocument, {
        id: repo.id,
        enabled,
      });
      this.toasts.info(`${enabled ? 'Enabled' : 'Disabled'} ${repo.name}`);
      this.repos.value.update((repos) => repos?.map((r) => (r.id === repo.id ? setMarketplaceRepoEnabled : r)));
    });
    // A refused change leaves the toggle where the API says it is.
    if (this.repos.value()?.find((r) => r.id === repo.id)?.enabled !== enabled) this.repos.reload();
  }

  protected async remove(repo: MarketplaceRepoFieldsFragment): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Remove "${repo.name}"?`,
      message: 'Its apps leave the catalog and its checkout is deleted. This cannot be undone.',
      confirm: 'Remove repository',
    });
    if (!confirmed) return;
    await this.actions.run(repo.id, async () => {
      await this.api.mutate(RemoveMarketplaceRepoDocument, { id: repo.id });
      this.toasts.info(`Removed ${repo.name}`);
      this.repos.value.update((repos) => repos?.filter((r) => r.id !== repo.id));
    });
  }
}
