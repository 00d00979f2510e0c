import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { apiError } from '../../core/graphql/api-error';
import { SystemStatusSection } from '../dashboard/system-status-section';

/** Where to go after signing in: only paths of this console, never another site. */
export function safeReturnUrl(returnUrl: string | undefined): string {
  return returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//') ? returnUrl : '/';
}

@Component({
  selector: 'tomo-sign-in-page',
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, SystemStatusSection],
  template: `
    <section class="card">
      <h1>Sign in to Tomo</h1>
      <p class="lead">Manage your servers and the apps they run.</p>
      @if (reason() === 'expired') {
        <p class="notice" role="status">Your session ended. Sign in again to continue where you were.</p>
      }
      @if (error(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      }
      <form [formGroup]="form" (ngSubmit)="submit()">
        <mat-form-field appearance="outline">
          <mat-label>Username</mat-label>
          <input matInput formControlName="username" autocomplete="username" required />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Password</mat-label>
          <input matInput type="password" formControlName="password" autocomplete="current-password" required />
        </mat-form-field>
        <button mat-flat-button type="submit" [disabled]="busy()">Sign in</button>
      </form>
    </section>
    <tomo-system-status-section class="status" />
  `,
  styleUrl: './auth-card.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignInPage {
  /** Query parameters, bound by the router. */
  readonly returnUrl = input<string>();
  readonly reason = input<string>();

  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.error.set('Enter your username and password.');
      return;
    }
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const { username, password } = this.form.getRawValue();
      await this.session.signIn(username, password);
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (error) {
      const { code, message, retryAfterSeconds } = apiError(error);
      this.error.set(
        code === 'RATE_LIMITED'
          ? lockOutMessage(retryAfterSeconds, message)
          : code === 'UNAUTHENTICATED'
            ? 'Wrong username or password. Check both and try again.'
            : message,
      );
      this.form.controls.password.reset();
    } finally {
      this.busy.set(false);
    }
  }
}

/** The lock-out in whole minutes (rounded up, at least one); the API's own words when it gave no time. */
export function lockOutMessage(retryAfterSeconds: number | undefined, message: string): string {
  if (retryAfterSeconds === undefined) return `Signing in is locked for now: ${message}`;
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many attempts — try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}
