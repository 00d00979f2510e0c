import { ChangeDetectionStrategy, Component, inject, resource, signal } from '@angular/core';
import { FormControl, FormGroup, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  type PullPolicy,
  type SystemSettingsFieldsFragment,
  SystemSettingsDocument,
  UpdateSettingsDocument,
} from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { Toasts } from '../../shared/toasts';

type NumberField = Exclude<keyof SystemSettingsFieldsFragment, '__typename' | 'defaultPullPolicy' | 'schedules'>;

/** Every numeric setting with its label and unit, in the order the form shows them. */
const NUMBER_FIELDS: readonly {
  key: NumberField;
  label: string;
  unit: string;
  hint: string;
}[] = [
  {
    key: 'jwtExpiresInSeconds',
    label: 'Sign-in lifetime',
    unit: 's',
    hint: '60 s to 30 days; applies to new sign-ins.',
  },
  {
    key: 'sessionIdleTimeoutSeconds',
    label: 'Idle session timeout',
    unit: 's',
    hint: '60 s to 30 days; a session unused this long ends.',
  },
  {
    key: 'jobRetentionDays',
    label: 'Keep finished jobs',
    unit: 'days',
    hint: '1 to 3650; older jobs and their logs are deleted.',
  },
  {
    key: 'metricsRetentionDays',
    label: 'Keep hourly metrics',
    unit: 'days',
    hint: '1 to 3650; raw samples are kept 48 h.',
  },
  {
    key: 'auditRetentionDays',
    label: 'Keep audit log entries',
    unit: 'days',
    hint: '1 to 3650.',
  },
  {
    key: 'backupsToKeep',
    label: 'Database backups to keep',
    unit: 'backups',
    hint: '1 to 1000; older ones are deleted.',
  },
  {
    key: 'diskLowPercent',
    label: 'Disk low above',
    unit: '%',
    hint: '1 to 100; the DISK_LOW notification threshold.',
  },
];
const PULL_POLICIES: readonly PullPolicy[] = ['IF_MISSING', 'ALWAYS', 'NEVER'];

/**
 * The API's BAD_USER_INPUT for settings names each wrong field, joined by "; ":
 * "jobRetentionDays: must be between 1 and 3650 days" or "schedules prune-jobs: everySeconds must be…".
 * Returns the message of each field ("schedule:<name>" for a schedule's interval).
 */
export function settingsErrors(message: string): Map<string, string> {
  const errors = new Map<string, string>();
  for (const part of message.split('; ')) {
    const match = /^(?:schedules (\S+)|(\w+)): (.+)$/.exec(part);
    if (!match) continue;
    errors.set(match[1] ? `schedule:${match[1]}` : match[2], match[3]);
  }
  return errors;
}

/** The system settings (ADMIN): every field with its unit, the API's message under each wrong one, schedule intervals. */
@Component({
  selector: 'tomo-system-settings-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    RouterLink,
    LoadState,
  ],
  template: `
    <header class="page-header">
      <p class="subtitle"><a routerLink="/settings">Settings</a> /</p>
      <h1>System settings</h1>
      <p class="subtitle">Applied at once, without a restart.</p>
    </header>
    <tomo-load-state
      what="system settings"
      [loading]="settings.isLoading() && !settings.hasValue()"
      [error]="settings.error() ? message(settings.error()) : undefined"
      (retry)="settings.reload()"
    >
      @if (form(); as f) {
        <form [formGroup]="f" (ngSubmit)="save()">
          <section class="panel" aria-labelledby="general-title">
            <h2 id="general-title">Sessions, retention and thresholds</h2>
            <div class="fields">
              @for (field of numberFields; track field.key) {
                <mat-form-field appearance="outline" subscriptSizing="dynamic">
                  <mat-label>{{ field.label }}</mat-label>
                  <input matInput type="number" [formControl]="f.controls.values.controls[field.key]" />
                  <span matTextSuffix>{{ field.unit }}</span>
                  <mat-hint>{{ field.hint }}</mat-hint>
                  <mat-error>{{ errorOf(field.key) ?? 'A whole number is required.' }}</mat-error>
                </mat-form-field>
              }
              <mat-form-field appearance="outline" subscriptSizing="dynamic">
                <mat-label>Default pull policy</mat-label>
                <mat-select [formControl]="f.controls.pullPolicy">
                  @for (policy of pullPolicies; track policy) {
                    <mat-option [value]="policy">{{ policy }}</mat-option>
                  }
                </mat-select>
                <mat-hint>For installs that name none.</mat-hint>
              </mat-form-field>
            </div>
          </section>
          <section class="panel" aria-labelledby="schedules-title">
            <h2 id="schedules-title">Schedule intervals</h2>
            <div class="fields">
              @for (name of scheduleNames(); track name) {
                <mat-form-field appearance="outline" subscriptSizing="dynamic">
                  <mat-label>{{ name }}</mat-label>
                  <input matInput type="number" [formControl]="f.controls.schedules.controls[name]" />
                  <span matTextSuffix>s</span>
                  <mat-hint>10 s to 30 days.</mat-hint>
                  <mat-error>{{ errorOf('schedule:' + name) ?? 'A whole number is required.' }}</mat-error>
                </mat-form-field>
              }
            </div>
          </section>
          @if (session.can('Mutation.updateSettings')) {
            <button mat-flat-button type="submit" [disabled]="saving()">Save settings</button>
          }
        </form>
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .fields {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
      gap: 16px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SystemSettingsPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly fb = inject(NonNullableFormBuilder);
  private readonly toasts = inject(Toasts);
  protected readonly numberFields = NUMBER_FIELDS;
  protected readonly pullPolicies = PULL_POLICIES;
  protected readonly settings = resource({
    loader: async () => {
      const { settings } = await this.api.query(SystemSettingsDocument);
      this.fill(settings);
      return settings;
    },
  });
  protected readonly form = signal<ReturnType<SystemSettingsPage['build']> | null>(null);
  protected readonly scheduleNames = signal<string[]>([]);
  /** The API's message for each wrong field of the last save. */
  private readonly errors = signal(new Map<string, string>());
  protected readonly saving = signal(false);
  protected readonly message = (error: unknown) => apiError(error).message;

  protected errorOf(field: string): string | undefined {
    return this.errors().get(field);
  }

  protected async save(): Promise<void> {
    const f = this.form();
    if (!f || f.invalid) {
      f?.markAllAsTouched();
      return;
    }
    const { values, pullPolicy, schedules } = f.getRawValue();
    this.saving.set(true);
    try {
      const { updateSettings } = await this.api.mutate(UpdateSettingsDocument, {
        input: {
          ...(values as Record<NumberField, number>),
          defaultPullPolicy: pullPolicy,
          schedules: Object.entries(schedules).map(([name, everySeconds]) => ({
            name,
            everySeconds: everySeconds as number,
          })),
        },
      });
      this.errors.set(new Map());
      this.settings.set(updateSettings);
      this.fill(updateSettings);
      this.toasts.info('Settings saved');
    } catch (error) {
      const { code, message } = apiError(error);
      const errors = code === 'BAD_USER_INPUT' ? settingsErrors(message) : new Map<string, string>();
      this.errors.set(errors);
      for (const field of errors.keys()) {
        const control = field.startsWith('schedule:')
          ? f.controls.schedules.get(field.slice('schedule:'.length))
          : f.controls.values.get(field);
        control?.setErrors({ api: true });
        control?.markAsTouched();
      }
      // A message naming no field of the form is still shown.
      if (errors.size === 0) this.toasts.error(message);
    } finally {
      this.saving.set(false);
    }
  }

  private fill(settings: SystemSettingsFieldsFragment): void {
    this.scheduleNames.set(settings.schedules.map((s) => s.name));
    this.form.set(this.build(settings));
  }

  private build(settings: SystemSettingsFieldsFragment) {
    const required = [Validators.required];
    const values = Object.fromEntries(
      NUMBER_FIELDS.map((field) => [field.key, new FormControl<number | null>(settings[field.key], required)]),
    );
    const schedules = Object.fromEntries(
      settings.schedules.map((s) => [s.name, new FormControl<number | null>(s.everySeconds, required)]),
    );
    return this.fb.group({
      values: new FormGroup(values as Record<NumberField, FormControl<number | null>>),
      pullPolicy: this.fb.control<PullPolicy>(settings.defaultPullPolicy),
      schedules: new FormGroup(schedules),
    });
  }
}
