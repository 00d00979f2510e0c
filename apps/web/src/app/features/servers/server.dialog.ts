import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { Api } from '../../core/graphql/api';
import { apiError, fieldOfMessage } from '../../core/graphql/api-error';
import {
  AddServerDocument,
  type ServerAuthType,
  type ServerFactsFragment,
  UpdateServerDocument,
} from '../../core/graphql/generated/graphql';

const FIELDS = ['name', 'host', 'port', 'username', 'password', 'privateKey', 'passphrase'] as const;
type Field = (typeof FIELDS)[number];

/**
 * Adds a server, or edits one (opened with it as data). The API then runs the connection test,
 * which the server page shows live. Stored secrets are never shown: left empty, they stay.
 */
@Component({
  selector: 'tomo-server-dialog',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatRadioModule,
  ],
  template: `
    <h2 mat-dialog-title>{{ editing ? 'Edit ' + editing.name : 'Add server' }}</h2>
    <form [formGroup]="form" (ngSubmit)="submit()">
      <mat-dialog-content>
        @if (error(); as message) {
          <p class="error" role="alert">{{ message }}</p>
        }
        <mat-form-field appearance="outline">
          <mat-label>Name</mat-label>
          <input matInput formControlName="name" required />
          @if (fieldError().name; as e) {
            <mat-error>{{ e }}</mat-error>
          }
        </mat-form-field>
        <div class="pair">
          <mat-form-field appearance="outline" class="grow">
            <mat-label>Host</mat-label>
            <input matInput formControlName="host" required placeholder="192.168.1.10 or nas.lan" />
            @if (fieldError().host; as e) {
              <mat-error>{{ e }}</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" class="port">
            <mat-label>Port</mat-label>
            <input matInput type="number" formControlName="port" min="1" max="65535" required />
            @if (fieldError().port; as e) {
              <mat-error>{{ e }}</mat-error>
            }
          </mat-form-field>
        </div>
        <mat-form-field appearance="outline">
          <mat-label>Username</mat-label>
          <input matInput formControlName="username" required autocomplete="off" />
          @if (fieldError().username; as e) {
            <mat-error>{{ e }}</mat-error>
          }
        </mat-form-field>
        <mat-radio-group formControlName="authType" aria-label="Authentication" class="auth">
          <span class="label" aria-hidden="true">Authentication</span>
          <mat-radio-button value="PASSWORD">Password</mat-radio-button>
          <mat-radio-button value="KEY">Private key</mat-radio-button>
        </mat-radio-group>
        @if (form.controls.authType.value === 'PASSWORD') {
          <mat-form-field appearance="outline">
            <mat-label>Password</mat-label>
            <input matInput type="password" formControlName="password" autocomplete="off" />
            @if (editing) {
              <mat-hint>Leave empty to keep the stored password.</mat-hint>
            }
            @if (fieldError().password; as e) {
              <mat-error>{{ e }}</mat-error>
            }
          </mat-form-field>
        } @else {
          <mat-form-field appearance="outline">
            <mat-label>Private key</mat-label>
            <textarea
              matInput
              formControlName="privateKey"
              rows="5"
              class="key"
              placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
            ></textarea>
            @if (fieldError().privateKey; as e) {
              <mat-error>{{ e }}</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Passphrase</mat-label>
            <input matInput type="password" formControlName="passphrase" autocomplete="off" />
            <mat-hint
              >Only for an encrypted key.{{ editing ? ' Leave the key empty to keep the stored one.' : '' }}</mat-hint
            >
            @if (fieldError().passphrase; as e) {
              <mat-error>{{ e }}</mat-error>
            }
          </mat-form-field>
        }
        <mat-checkbox formControlName="pruneImages" aria-describedby="prune-images-hint"
          >Remove dangling Docker images daily</mat-checkbox
        >
        <p id="prune-images-hint" class="hint">
          Untagged images left behind by updates; images in use or tagged are kept.
        </p>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Cancel</button>
        <button mat-flat-button type="submit" [disabled]="busy()">{{ editing ? 'Save' : 'Add server' }}</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    mat-dialog-content {
      display: flex;
      flex-direction: column;
    }
    .pair {
      display: flex;
      gap: 12px;
    }
    .grow {
      flex: 1;
    }
    .port {
      width: 120px;
    }
    .auth {
      display: flex;
      align-items: center;
      gap: 8px;
      margin: 0 0 16px;
    }
    .label {
      color: var(--mat-sys-on-surface-variant);
    }
    .key {
      font-family: ui-monospace, monospace;
      font-size: 12px;
    }
    .hint {
      margin: 0 0 8px 44px;
      font-size: 12px;
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      padding: 12px 16px;
      border-radius: 12px;
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerDialog {
  private readonly api = inject(Api);
  private readonly ref = inject<MatDialogRef<ServerDialog, { id: string }>>(MatDialogRef);
  protected readonly editing = inject<ServerFactsFragment | null>(MAT_DIALOG_DATA, { optional: true });
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [this.editing?.name ?? '', Validators.required],
    host: [this.editing?.host ?? '', Validators.required],
    port: [this.editing?.port ?? 22, Validators.required],
    username: [this.editing?.username ?? '', Validators.required],
    authType: [this.editing?.authType ?? ('KEY' as ServerAuthType)],
    password: [''],
    privateKey: [''],
    passphrase: [''],
    pruneImages: [this.editing?.pruneImages ?? false],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly fieldError = signal<Partial<Record<Field, string>>>({});

  protected async submit(): Promise<void> {
    this.error.set(undefined);
    this.fieldError.set({});
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.error.set('Fill in the name, host, port and username.');
      return;
    }
    const value = this.form.getRawValue();
    this.busy.set(true);
    try {
      const input = {
        name: value.name,
        host: value.host,
        port: Number(value.port),
        username: value.username,
        authType: value.authType,
        pruneImages: value.pruneImages,
        // Empty secrets are left out: on an edit they keep the stored ones.
        ...(value.authType === 'PASSWORD'
          ? { password: value.password || null }
          : { privateKey: value.privateKey || null, passphrase: value.passphrase || null }),
      };
      const saved = this.editing
        ? (await this.api.mutate(UpdateServerDocument, { id: this.editing.id, input })).updateServer
        : (await this.api.mutate(AddServerDocument, { input })).addServer;
      this.ref.close({ id: saved.id });
    } catch (error) {
      const { code, message } = apiError(error);
      const field = code === 'BAD_USER_INPUT' ? fieldOfMessage(message, FIELDS) : undefined;
      if (field) {
        this.fieldError.set({ [field]: message });
        // mat-error shows on an invalid control: mark the one the API refused.
        this.form.controls[field].setErrors({ api: message });
        this.form.controls[field].markAsTouched();
      } else {
        this.error.set(message);
      }
    } finally {
      this.busy.set(false);
    }
  }
}
