import { ChangeDetectionStrategy, Component, computed, effect, inject, input, resource, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  AppDocument,
  type AppQuery,
  DeployTargetsDocument,
  InstallAppDocument,
} from '../../core/graphql/generated/graphql';
import { Icon } from '../../shared/icon/icon';
import { LoadState } from '../../shared/load-state';
import { statusLabel } from '../../shared/status-chip';

interface EnvField {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly secret: boolean;
  value: string;
  shown: boolean;
}

/** The deploy form, generated from the app definition; deploying opens the job's timeline. */
@Component({
  selector: 'tomo-deploy-page',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    RouterLink,
    Icon,
    LoadState,
  ],
  template: `
    <tomo-load-state
      what="the app"
      [loading]="data.isLoading() && !data.hasValue()"
      [error]="data.error() ? message(data.error()) : undefined"
      (retry)="data.reload()"
    >
      @if (app(); as a) {
        <p class="muted">
          <a routerLink="/apps">Apps</a> / <a [routerLink]="['/apps', a.id]">{{ a.name }}</a> /
        </p>
        <header class="page-header">
          <h1>Deploy {{ a.name }}</h1>
          <p class="subtitle mono">{{ a.image.reference }}</p>
        </header>
        <form #f="ngForm" (ngSubmit)="deploy(a)">
          @if (error(); as message) {
            <p class="banner" role="alert">{{ message }}</p>
          }
          <section class="panel" aria-labelledby="server-title">
            <h2 id="server-title">Server</h2>
            <mat-form-field appearance="outline" class="full">
              <mat-label>Server</mat-label>
              <mat-select name="server" [(ngModel)]="serverId" required>
                @for (s of servers(); track s.id) {
                  <mat-option [value]="s.id" [disabled]="s.status !== 'ONLINE'">
                    {{ s.name }} ({{ s.host }}){{ s.status === 'ONLINE' ? '' : ' — ' + label(s.status) }}
                  </mat-option>
                }
              </mat-select>
              <mat-hint>Only online servers can receive a deployment.</mat-hint>
            </mat-form-field>
          </section>

          @if (env.length > 0) {
            <section class="panel" aria-labelledby="env-title">
              <h2 id="env-title">Environment</h2>
              @for (e of env; track e.name) {
                <mat-form-field appearance="outline" class="full">
                  <mat-label>{{ e.name }}</mat-label>
                  <input
                    matInput
                    [name]="'env-' + e.name"
                    [type]="e.secret && !e.shown ? 'password' : 'text'"
                    [(ngModel)]="e.value"
                    [required]="e.required"
                    autocomplete="off"
                  />
                  @if (e.secret) {
                    <button
                      mat-icon-button
                      matSuffix
                      type="button"
                      [attr.aria-label]="(e.shown ? 'Hide ' : 'Show ') + e.name"
                      (click)="e.shown = !e.shown"
                    >
                      <tomo-icon [name]="e.shown ? 'visibilityOff' : 'visibility'" />
                    </button>
                  }
                  <mat-hint>{{ e.description }}</mat-hint>
                </mat-form-field>
              }
            </section>
          }

          @if (ports.length > 0) {
            <section class="panel" aria-labelledby="ports-title">
              <h2 id="ports-title">Ports</h2>
              @for (p of ports; track p.container) {
                <mat-form-field appearance="outline">
                  <mat-label>Host port for {{ p.container }}/{{ p.protocol }}</mat-label>
                  <input
                    matInput
                    type="number"
                    min="1"
                    max="65535"
                    [name]="'port-' + p.container"
                    [(ngModel)]="p.host"
                    required
                  />
                </mat-form-field>
              }
            </section>
          }

          @if (volumes.length > 0) {
            <section class="panel" aria-labelledby="volumes-title">
              <h2 id="volumes-title">Volumes</h2>
              @for (v of volumes; track v.container) {
                <mat-form-field appearance="outline" class="full">
                  <mat-label>Host path for {{ v.container }}</mat-label>
                  <input matInput [name]="'volume-' + v.container" [(ngModel)]="v.host" required />
                </mat-form-field>
              }
            </section>
          }

          <section class="panel" aria-labelledby="network-title">
            <h2 id="network-title">Network</h2>
            <mat-form-field appearance="outline">
              <mat-label>Network</mat-label>
              <input matInput name="network" [(ngModel)]="network" required />
              <mat-hint>host, bridge, none or a Docker network name</mat-hint>
            </mat-form-field>
          </section>

          <div class="actions">
            <button mat-flat-button type="submit" [disabled]="busy()">Deploy</button>
            <a mat-button [routerLink]="['/apps', a.id]">Cancel</a>
          </div>
        </form>
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .full {
      width: 100%;
    }
    mat-form-field {
      margin-bottom: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DeployPage {
  /** Route parameter. */
  readonly id = input.required<string>();
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  protected readonly data = resource({
    params: () => ({ id: this.id() }),
    loader: ({ params }) =>
      Promise.all([this.api.query(AppDocument, params), this.api.query(DeployTargetsDocument)]).then(
        ([app, targets]) => ({ app: app.app, servers: targets.servers }),
      ),
  });
  protected readonly app = computed(() => (this.data.hasValue() ? this.data.value().app : undefined));
  protected readonly servers = computed(() => (this.data.hasValue() ? this.data.value().servers : []));
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly label = statusLabel;

  // The form's model: plain fields bound with ngModel, filled from the app definition once loaded.
  protected serverId: string | null = null;
  protected env: EnvField[] = [];
  protected ports: { container: number; host: number; protocol: string }[] = [];
  protected volumes: { container: string; host: string }[] = [];
  protected network = 'host';

  constructor() {
    effect(() => {
      const app = this.app();
      if (!app) return;
      this.env = app.env.map((e) => ({ ...e, value: e.defaultValue ?? '', shown: false }));
      this.ports = app.ports.map((p) => ({ container: p.container, host: p.host, protocol: p.protocol }));
      this.volumes = app.volumes.map((v) => ({ container: v.container, host: v.host }));
      this.network = app.network.mode;
      this.serverId = this.servers().find((s) => s.status === 'ONLINE')?.id ?? null;
    });
  }

  protected async deploy(app: AppQuery['app']): Promise<void> {
    this.error.set(undefined);
    const missing = this.env.filter((e) => e.required && !e.value).map((e) => e.name);
    if (!this.serverId) return this.error.set('Choose an online server.');
    if (missing.length > 0) return this.error.set(`Fill in the required variables: ${missing.join(', ')}.`);
    this.busy.set(true);
    try {
      const { installApp } = await this.api.mutate(InstallAppDocument, {
        input: {
          appId: app.id,
          serverId: this.serverId,
          // One key per submitted form: a double click or a retried request starts one job.
          idempotencyKey: crypto.randomUUID(),
          config: {
            env: this.env.filter((e) => e.value !== '').map((e) => ({ name: e.name, value: e.value })),
            ports: this.ports.map((p) => ({ container: p.container, host: Number(p.host), protocol: p.protocol })),
            volumes: this.volumes,
            network: this.network,
          },
        },
      });
      await this.router.navigate(['/jobs', installApp.id]);
    } catch (error) {
      this.error.set(apiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }
}
