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
import { apiError, fieldOfMessage } from '../../core/graphql/api-error';
import {
  CreateUserDocument,
  type Role,
  UpdateUserDocument,
  type UpdateUserInput,
  type UserFieldsFragment,
  UsersDocument,
} from '../../core/graphql/generated/graphql';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { TableRegion } from '../../shared/table-region';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';
import { resetPassword } from './reset-password.dialog';

const ROLES: readonly Role[] = ['VIEWER', 'OPERATOR', 'ADMIN'];

/** Users (admin): add one, change a role, reset a password, disable or enable. */
@Component({
  selector: 'tomo-users-page',
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
    TableRegion,
    TimeAgo,
  ],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>Users</h1>
      <p class="subtitle">ADMIN: everything. OPERATOR: servers, deployments, jobs. VIEWER: read only.</p>
    </header>

    @if (session.can('Mutation.createUser')) {
      <section class="panel" aria-labelledby="create-title">
        <h2 id="create-title">New user</h2>
        <form class="form" [formGroup]="form" (ngSubmit)="create()">
          <mat-form-field appearance="outline">
            <mat-label>Username</mat-label>
            <input matInput formControlName="username" required autocomplete="off" />
            @if (form.controls.username.hasError('required')) {
              <mat-error>A username is required.</mat-error>
            } @else if (form.controls.username.hasError('api')) {
              <mat-error>{{ form.controls.username.getError('api') }}</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Password</mat-label>
            <input matInput type="password" formControlName="password" required autocomplete="new-password" />
            @if (form.controls.password.hasError('required')) {
              <mat-error>A password is required.</mat-error>
            } @else if (form.controls.password.hasError('api')) {
              <mat-error>{{ form.controls.password.getError('api') }}</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Role</mat-label>
            <mat-select formControlName="role">
              @for (role of roles; track role) {
                <mat-option [value]="role">{{ role }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
          <div>
            <button mat-flat-button type="submit" [disabled]="busy()">Create user</button>
          </div>
        </form>
      </section>
    }

    <tomo-load-state
      what="users"
      [loading]="users.isLoading() && !users.hasValue()"
      [error]="users.error() ? message(users.error()) : undefined"
      (retry)="users.reload()"
    >
      <tomo-table-region label="Users">
        <table mat-table [dataSource]="users.value() ?? []" class="table">
          <caption class="visually-hidden">
            Users
          </caption>
          <ng-container matColumnDef="username">
            <th mat-header-cell *matHeaderCellDef scope="col">Username</th>
            <td mat-cell *matCellDef="let u">
              {{ u.username }}
              @if (u.disabled) {
                <strong>(disabled)</strong>
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="role">
            <th mat-header-cell *matHeaderCellDef scope="col">Role</th>
            <td mat-cell *matCellDef="let u">
              @if (session.can('Mutation.updateUser') && u.username !== session.user()?.username) {
                <mat-form-field subscriptSizing="dynamic" class="role">
                  <mat-label>Role of {{ u.username }}</mat-label>
                  <mat-select [value]="u.role" (valueChange)="update(u, { role: $event })">
                    @for (role of roles; track role) {
                      <mat-option [value]="role">{{ role }}</mat-option>
                    }
                  </mat-select>
                </mat-form-field>
              } @else {
                {{ u.role }}
              }
            </td>
          </ng-container>
          <ng-container matColumnDef="lastLogin">
            <th mat-header-cell *matHeaderCellDef scope="col">Last sign-in</th>
            <td mat-cell *matCellDef="let u"><tomo-time [value]="u.lastLoginAt" /></td>
          </ng-container>
          <ng-container matColumnDef="actions">
            <th mat-header-cell *matHeaderCellDef scope="col"><span class="visually-hidden">Actions</span></th>
            <td mat-cell *matCellDef="let u">
              @if (session.can('Mutation.updateUser') && u.username !== session.user()?.username) {
                <tomo-row-action
                  [name]="(u.disabled ? 'Enable ' : 'Disable ') + u.username"
                  [disabled]="busy()"
                  (pressed)="toggle(u)"
                  >{{ u.disabled ? 'Enable' : 'Disable' }}</tomo-row-action
                >
                <tomo-row-action [name]="'Reset password of ' + u.username" [disabled]="busy()" (pressed)="reset(u)"
                  >Reset password</tomo-row-action
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
    .role {
      width: 180px;
      margin: 4px 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly toasts = inject(Toasts);
  protected readonly roles = ROLES;
  protected readonly columns = ['username', 'role', 'lastLogin', 'actions'];
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', Validators.required],
    password: ['', Validators.required],
    role: ['VIEWER' as Role],
  });
  private readonly formDirective = viewChild(FormGroupDirective);
  protected readonly busy = signal(false);
  protected readonly users = resource({ loader: () => this.api.query(UsersDocument).then((d) => d.users) });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected async create(): Promise<void> {
    if (this.form.invalid) return;
    this.busy.set(true);
    try {
      const { createUser } = await this.api.mutate(CreateUserDocument, { input: this.form.getRawValue() });
      this.toasts.info(`Created ${createUser.username}`);
      this.formDirective()?.resetForm({ username: '', password: '', role: 'VIEWER' });
      this.users.value.update((users) => [...(users ?? []), createUser]);
    } catch (error) {
      // The API names the refused field (a taken username, a password its policy refuses).
      const { message } = apiError(error);
      const field = fieldOfMessage(message, ['username', 'password'] as const);
      if (field) this.form.controls[field].setErrors({ api: message });
      else this.toasts.error(message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async toggle(user: UserFieldsFragment): Promise<void> {
    if (!user.disabled) {
      const confirmed = await confirmAction(this.dialog, {
        title: `Disable ${user.username}?`,
        message: 'They are signed out at once and cannot sign in until enabled again.',
        confirm: 'Disable user',
      });
      if (!confirmed) return;
    }
    await this.update(user, { disabled: !user.disabled });
  }

  protected async reset(user: UserFieldsFragment): Promise<void> {
    const updated = await resetPassword(this.dialog, user);
    if (updated) this.toasts.info(`Password of ${user.username} reset; their sessions have ended`);
  }

  protected async update(user: UserFieldsFragment, input: UpdateUserInput): Promise<void> {
    this.busy.set(true);
    try {
      const { updateUser } = await this.api.mutate(UpdateUserDocument, { id: user.id, input });
      this.toasts.info(`Updated ${user.username}`);
      this.users.value.update((users) => users?.map((u) => (u.id === updateUser.id ? updateUser : u)));
    } catch (error) {
      this.toasts.error(apiError(error).message);
      // The select shows the refused role: read the list again to show what is stored.
      this.users.reload();
    } finally {
      this.busy.set(false);
    }
  }
}
