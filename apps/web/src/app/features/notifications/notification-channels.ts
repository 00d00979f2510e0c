import { ChangeDetectionStrategy, Component, inject, resource, signal, viewChild } from '@angular/core';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  AddNotificationChannelDocument,
  type NotificationChannelFieldsFragment,
  type NotificationChannelKind,
  NotificationChannelsDocument,
  type NotificationEvent,
  RemoveNotificationChannelDocument,
  TestNotificationChannelDocument,
} from '../../core/graphql/generated/graphql';
import { BusyActions } from '../../shared/busy-actions';
import { confirmAction } from '../../shared/confirm-dialog';
import { LoadState } from '../../shared/load-state';
import { RowAction } from '../../shared/row-action';
import { SecretOnce } from '../../shared/secret-once';
import { statusLabel } from '../../shared/status-chip';
import { Toasts } from '../../shared/toasts';

const EVENTS: readonly NotificationEvent[] = [
  'JOB_FAILED',
  'SERVER_OFFLINE',
  'SERVER_ONLINE',
  'HOST_KEY_MISMATCH',
  'APP_CRASHED',
  'UPDATE_ROLLED_BACK',
  'DISK_LOW',
  'SCHEDULE_FAILING',
];

/** Where notifications go (admin): webhooks (their signing secret shown once) and email; test → job, remove. */
@Component({
  selector: 'tomo-notification-channels',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    LoadState,
    RowAction,
    SecretOnce,
  ],
  template: `
    <section class="panel" aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      <p>Webhooks and email addresses that receive the events you choose.</p>
      @if (session.can('Mutation.addNotificationChannel')) {
        <form class="form" [formGroup]="form" (ngSubmit)="add()" aria-label="New channel">
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Name</mat-label>
            <input matInput formControlName="name" required maxlength="100" />
            @if (form.controls.name.hasError('required')) {
              <mat-error>A name is required.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Kind</mat-label>
            <mat-select formControlName="kind">
              <mat-option value="WEBHOOK">Webhook</mat-option>
              <mat-option value="EMAIL">Email</mat-option>
            </mat-select>
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Events</mat-label>
            <mat-select formControlName="events" multiple>
              @for (event of events; track event) {
                <mat-option [value]="event">{{ label(event) }}</mat-option>
              }
            </mat-select>
            @if (form.controls.events.hasError('required')) {
              <mat-error>Choose at least one event.</mat-error>
            }
          </mat-form-field>
          @if (form.controls.kind.value === 'WEBHOOK') {
            <mat-form-field appearance="outline" subscriptSizing="dynamic" class="wide">
              <mat-label>Webhook URL</mat-label>
              <input matInput formControlName="url" placeholder="https://…" />
            </mat-form-field>
          } @else {
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>Recipients</mat-label>
              <input matInput formControlName="emailTo" />
              <mat-hint>Comma-separated.</mat-hint>
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>From</mat-label>
              <input matInput formControlName="emailFrom" />
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>SMTP host</mat-label>
              <input matInput formControlName="smtpHost" />
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>SMTP port</mat-label>
              <input matInput type="number" formControlName="smtpPort" />
              <mat-hint>Empty: 587 (465 with TLS).</mat-hint>
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>SMTP username</mat-label>
              <input matInput formControlName="smtpUsername" autocomplete="off" />
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>SMTP password</mat-label>
              <input matInput type="password" formControlName="smtpPassword" autocomplete="new-password" />
              <mat-hint>Stored encrypted, never shown again.</mat-hint>
            </mat-form-field>
          }
          <div>
            <button mat-flat-button type="submit" [disabled]="busy() === 'add'">Add channel</button>
          </div>
        </form>
      }
      @if (secret(); as s) {
        <tomo-secret-once
          [what]="'the signing secret of &quot;' + s.name + '&quot;'"
          [value]="s.secret"
          copyLabel="signing secret"
          testId="webhook-secret"
        />
      }
      <tomo-load-state
        what="channels"
        [loading]="channels.isLoading() && !channels.hasValue()"
        [error]="channels.error() ? message(channels.error()) : undefined"
        [empty]="channels.value()?.length === 0"
        emptyTitle="No channels"
        (retry)="channels.reload()"
      >
        <ul class="channels">
          @for (c of channels.value() ?? []; track c.id) {
            <li>
              <strong>{{ c.name }}</strong> · {{ c.kind === 'WEBHOOK' ? 'Webhook' : 'Email'
              }}{{ c.enabled ? '' : ' (disabled)' }}
              <div class="muted">{{ c.url ?? c.emailTo }} · {{ eventLabels(c) }}</div>
              @if (session.can('Mutation.testNotificationChannel')) {
                <tomo-row-action [name]="'Test ' + c.name" [disabled]="busy() === c.id" (pressed)="test(c)"
                  >Test</tomo-row-action
                >
              }
              @if (session.can('Mutation.removeNotificationChannel')) {
                <tomo-row-action [name]="'Remove ' + c.name" [disabled]="busy() === c.id" (pressed)="remove(c)"
                  >Remove</tomo-row-action
                >
              }
            </li>
          }
        </ul>
      </tomo-load-state>
    </section>
  `,
  styleUrls: ['../../shared/page.scss', '../../shared/create-form.scss'],
  styles: `
    .channels {
      list-style: none;
      padding: 0;
    }
    .channels li {
      padding: 8px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      overflow-wrap: anywhere;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotificationChannels {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  private readonly actions = new BusyActions();
  /** 'add' or the id of the channel being acted on. */
  protected readonly busy = this.actions.busy;
  protected readonly events = EVENTS;
  protected readonly label = statusLabel;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    kind: ['WEBHOOK' as NotificationChannelKind],
    events: [['JOB_FAILED'] as NotificationEvent[], Validators.required],
    url: [''],
    emailTo: [''],
    emailFrom: [''],
    smtpHost: [''],
    smtpPort: [null as number | null],
    smtpUsername: [''],
    smtpPassword: [''],
  });
  /** Resetting through the directive also clears "submitted", so no field shows an error afterwards. */
  private readonly formDirective = viewChild(FormGroupDirective);
  /** A webhook's signing secret is in the answer that created it only, so it lives in this page only. */
  protected readonly secret = signal<{ name: string; secret: string } | null>(null);
  protected readonly channels = resource({
    loader: () => this.api.query(NotificationChannelsDocument).then((d) => d.notificationChannels),
  });
  protected readonly message = (error: unknown) => apiError(error).message;

  protected eventLabels(channel: NotificationChannelFieldsFragment): string {
    return channel.events.map(statusLabel).join(', ');
  }

  protected async add(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, kind, events, url, smtpPort, ...email } = this.form.getRawValue();
    // Only the fields of the chosen kind are sent: the API refuses the others.
    const fields =
      kind === 'WEBHOOK'
        ? { url: url.trim() }
        : {
            ...Object.fromEntries(Object.entries(email).map(([key, value]) => [key, value.trim() || undefined])),
            smtpPort: smtpPort ?? undefined,
          };
    await this.actions.run('add', async () => {
      const { addNotificationChannel } = await this.api.mutate(AddNotificationChannelDocument, {
        input: { name: name.trim(), kind, events, ...fields },
      });
      const { channel, secret } = addNotificationChannel;
      this.secret.set(secret ? { name: channel.name, secret } : null);
      this.toasts.info(`Added ${channel.name}`);
      this.formDirective()?.resetForm({
        ...this.form.getRawValue(),
        name: '',
        url: '',
        smtpPassword: '',
      });
      this.channels.value.update((channels) => [...(channels ?? []), channel]);
    });
  }

  protected async test(channel: NotificationChannelFieldsFragment): Promise<void> {
    await this.actions.run(channel.id, async () => {
      const { testNotificationChannel } = await this.api.mutate(TestNotificationChannelDocument, { id: channel.id });
      await this.router.navigate(['/jobs', testNotificationChannel.id]);
    });
  }

  protected async remove(channel: NotificationChannelFieldsFragment): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: `Remove "${channel.name}"?`,
      message: 'It receives nothing more; deliveries queued for it fail.',
      confirm: 'Remove channel',
    });
    if (!confirmed) return;
    await this.actions.run(channel.id, async () => {
      await this.api.mutate(RemoveNotificationChannelDocument, {
        id: channel.id,
      });
      this.toasts.info(`Removed ${channel.name}`);
      this.channels.value.update((channels) => channels?.filter((c) => c.id !== channel.id));
    });
  }
}
