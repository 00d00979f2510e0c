import { ChangeDetectionStrategy, Component, inject, resource, signal, viewChild } from '@angular/core';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  type ApiTokenFieldsFragment,
  ApiTokensDocument,
  CreateApiTokenDocument,
  RevokeApiTokenDocument,
  type Role,
} from '../../core/graphql/generated/graphql';
import { BusyActions } from '../../shared/busy-actions';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { SecretOnce } from '../../shared/secret-once';
import { TableRegion } from '../../shared/table-region';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';

const ROLES: readonly Role[] = ['VIEWER', 'OPERATOR', 'ADMIN'];

/** API tokens: create one (its secret is shown this once), see when each was last used, revoke. */
@Component({
  selector: 'tomo-api-tokens-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatTableModule,
    RouterLink,
    LoadState,
    RowAction,
    SecretOnce,
    TableRegion,
    TimeAgo,
  ],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>API tokens</h1>
      <p class="subtitle">For GraphQL and MCP clients: send one as <code>Authorization: Bearer …</code>.</p>
    </header>

    @if (session.can('Mutation.createApiToken')) {
      <section class="panel" aria-labelledby="create-title">
        <h2 id="create-title">New token</h2>
        <form class="form" [formGroup]="form" (ngSubmit)="create()">
          <mat-form-field appearance="outline">
            <mat-label>Name</mat-label>
            <input matInput formControlName="name" required maxlength="100" />
            <mat-hint>What uses it, e.g. "backup script".</mat-hint>
            @if (form.controls.name.hasError('required')) {
              <mat-error>A name is required.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Role</mat-label>
            <mat-select formControlName="role">
              @for (role of roles; track role) {
                <mat-option [value]="role">{{ role }}</mat-option>
              }
            </mat-select>
            <mat-hint>Never more than your own role.</mat-hint>
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Expires after (days)</mat-label>
            <input matInput type="number" formControlName="expiresInDays" min="1" max="3650" />
            <mat-hint>Empty: never expires.</mat-hint>
            @if (form.controls.expiresInDays.invalid) {
              <mat-error>Between 1 and 3650 days.</mat-error>
            }
          </mat-form-field>
          <div>
            <button mat-flat-button type="submit" [disabled]="busy() === 'create'">Create token</button>
          </div>
        </form>
        @if (created(); as c) {
          <tomo-secret-once
            [what]="'the token &quot;' + c.name + '&quot;'"
            [value]="c.token"
            copyLabel="token"
            testId="new-token"
          />
        }
      </section>
    }

    <tomo-load-state
      what="API tokens"
      [loading]="tokens.isLoading() && !tokens.hasValue()"
      [error]="tokens.error() ? message(tokens.error()) : undefined"
      [empty]="tokens.value()?.length === 0"
      emptyTitle="No API tokens"
      (retry)="tokens.reload()"
    >
      <p empty>Tokens you create appear here.</p>
      <tomo-table-region label="API tokens">
        <table mat-table [dataSource]="tokens.value() ?? []" class="table">
          <caption class="visually-hidden">
            API tokens
          </caption>
          <ng-container matColumnDef="name">
            <th mat-header-cell *matHeaderCellDef scope="col">Name</th>
            <td mat-cell *matCellDef="let t">
              {{ t.name }} <span class="mono muted">{{ t.prefix }}…</span>
            </td>
          </ng-container>
          <ng-container matColumnDef="owner">
            <th mat-header-cell *matHeaderCellDef scope="col">Owner</th>
            <td mat-cell *matCellDef="let t">{{ t.owner }}</td>
          </ng-container>
          <ng-container matColumnDef="role">
            <th mat-header-cell *matHeaderCellDef scope="col">Role</th>
            <td mat-cell *matCellDef="let t">{{ t.role }}</td>
          </ng-container>
          <ng-container matColumnDef="lastUsed">
            <th mat-header-cell *matHeaderCellDef scope="col">Last used</th>
            <td mat-cell *matCellDef="let t"><tomo-time [value]="t.lastUsedAt" /></td>
          </ng-container>
          <ng-container matColumnDef="expires">
            <th mat-header-cell *matHeaderCellDef scope="col">Expires</th>
            <td mat-cell *matCellDef="let t">
              @if (t.revokedAt) {
                Revoked <tomo-time [value]="t.revokedAt" />
              } @else {
                <tomo-time [value]="t.expiresAt" empty="never" />
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef scope="col"><span class="visually-hidden">Actions</span></th>
            <td mat-cell *matCellDef="let t">
              @if (!t.revokedAt && session.can('Mutation.revokeApiToken')) {
                <tomo-row-action [name]="'Revoke ' + t.name" [disabled]="busy() === t.id" (pressed)="revoke(t)"
                  >Revoke</tomo-row-action
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
  styleUrls: ['../../shared/page.scss', '../../shared/create-form.scss'],
  styles: `
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiTokensPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly toasts = inject(Toasts);
  private readonly actions = new BusyActions();
  /** 'create' or the id of the token being revoked. */
  protected readonly busy = this.actions.busy;
  protected readonly roles = ROLES;
  protected readonly columns = ['name', 'owner', 'role', 'lastUsed', 'expires', 'actions'];
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    role: ['VIEWER' as Role],
    expiresInDays: [null as number | null, [Validators.min(1), Validators.max(3650)]],
  });
  /** Resetting through the directive also clears "submitted", so no field shows an error afterwards. */
  private readonly formDirective = viewChild(FormGroupDirective);
  /** The token just created: its secret is in this answer only, so it lives in this page only. */
  protected readonly created = signal<{ name: string; token: string } | null>(null);
  protected readonly tokens = resource({ loader: () => this.api.query(ApiTokensDocument).then((d) => d.apiTokens) });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected async create(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, role, expiresInDays } = this.form.getRawValue();
    await this.actions.run('create', async () => {
      const { createApiToken } = await this.api.mutate(CreateApiTokenDocument, {
        input: { name: name.trim(), role, expiresInDays: expiresInDays ?? undefined },
      });
      this.created.set({ name: createApiToken.apiToken.name, token: createApiToken.token });
      this.formDirective()?.resetForm({ name: '', role: 'VIEWER', expiresInDays: null });
      this.tokens.value.update((tokens) => [createApiToken.apiToken, ...(tokens ?? [])]);
    });
  }

  protected async revoke(token: ApiTokenFieldsFragment): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Revoke "${token.name}"?`,
      message: 'Clients using this token are refused at once. This cannot be undone.',
      confirm: 'Revoke token',
    });
    if (!confirmed) return;
    await this.actions.run(token.id, async () => {
      const { revokeApiToken } = await this.api.mutate(RevokeApiTokenDocument, { id: token.id });
      this.toasts.info(`Revoked "${token.name}"`);
      this.tokens.value.update((tokens) => tokens?.map((t) => (t.id === revokeApiToken.id ? revokeApiToken : t)));
    });
  }
}
