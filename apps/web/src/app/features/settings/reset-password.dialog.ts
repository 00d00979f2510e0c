import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, type MatDialog, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { firstValueFrom } from 'rxjs';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import { UpdateUserDocument, type UserFieldsFragment } from '../../core/graphql/generated/graphql';

/**
 * Sets another user's password (ADMIN): the dialog stays open while the API's password policy
 * refuses the value, showing why under the field. The user's sessions end (the API does it).
 */
@Component({
  selector: 'tomo-reset-password-dialog',
  imports: [ReactiveFormsModule, MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule],
  template: `
    <form [formGroup]="form" (ngSubmit)="save()">
      <h2 mat-dialog-title>Reset the password of {{ user.username }}</h2>
      <mat-dialog-content>
        <p>They are signed out everywhere and sign in again with the new password.</p>
        <mat-form-field appearance="outline" class="field">
          <mat-label>New password</mat-label>
          <input
            matInput
            type="password"
            formControlName="password"
            required
            autocomplete="new-password"
            cdkFocusInitial
          />
          @if (form.controls.password.hasError('required')) {
            <mat-error>A password is required.</mat-error>
          } @else if (form.controls.password.hasError('api')) {
            <mat-error>{{ form.controls.password.getError('api') }}</mat-error>
          }
        </mat-form-field>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Cancel</button>
        <button mat-flat-button type="submit" [disabled]="busy()">Reset password</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .field {
      width: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ResetPasswordDialog {
  protected readonly user = inject<UserFieldsFragment>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<ResetPasswordDialog, UserFieldsFragment>>(MatDialogRef);
  private readonly api = inject(Api);
  protected readonly form = inject(NonNullableFormBuilder).group({ password: ['', Validators.required] });
  protected readonly busy = signal(false);

  protected async save(): Promise<void> {
    if (this.form.invalid) return;
    this.busy.set(true);
    try {
      const { updateUser } = await this.api.mutate(UpdateUserDocument, {
        id: this.user.id,
        input: this.form.getRawValue(),
      });
      this.ref.close(updateUser);
    } catch (error) {
      // The only input is the password: whatever the API refuses is said under it.
      this.form.controls.password.setErrors({ api: apiError(error).message });
    } finally {
      this.busy.set(false);
    }
  }
}

/** Opens the dialog; resolves the updated user, or null when cancelled. */
export function resetPassword(dialog: MatDialog, user: UserFieldsFragment): Promise<UserFieldsFragment | null> {
  const ref = dialog.open<ResetPasswordDialog, UserFieldsFragment, UserFieldsFragment>(ResetPasswordDialog, {
    data: user,
    width: '440px',
  });
  return firstValueFrom(ref.afterClosed()).then((result) => result ?? null);
}
