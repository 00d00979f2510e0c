import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { apiError } from '../../core/graphql/api-error';
import { SystemStatusSection } from '../dashboard/system-status-section';

/** First run only: creates the admin account (the API refuses once any user exists). */
@Component({
  selector: 'tomo-setup-page',
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, SystemStatusSection],
  template: `
    <section class="card">
      <h1>Welcome to Tomo</h1>
      <p class="lead">Create the administrator account. You can add more users later.</p>
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
          <input matInput type="password" formControlName="password" autocomplete="new-password" required />
          <mat-hint>At least 12 characters; a long phrase is best.</mat-hint>
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Repeat password</mat-label>
          <input matInput type="password" formControlName="repeat" autocomplete="new-password" required />
        </mat-form-field>
        <button mat-flat-button type="submit" [disabled]="busy()">Create admin account</button>
      </form>
    </section>
    <tomo-system-status-section class="status" />
  `,
  styleUrl: './auth-card.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SetupPage {
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', Validators.required],
    password: ['', Validators.required],
    repeat: ['', Validators.required],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected async submit(): Promise<void> {
    const { username, password, repeat } = this.form.getRawValue();
    if (this.form.invalid) return this.error.set('Fill in every field.');
    if (password !== repeat) return this.error.set('The two passwords differ.');
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await this.session.setUp(username, password);
      await this.router.navigateByUrl('/');
    } catch (error) {
      this.error.set(apiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }
}
