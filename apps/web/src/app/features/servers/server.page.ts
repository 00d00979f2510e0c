import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  resource,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { Title } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  AcceptServerHostKeyDocument,
  DeleteServerDocument,
  ServerDocument,
  type ServerFactsFragment,
  ServerUpdatedDocument,
  TestConnectionDocument,
} from '../../core/graphql/generated/graphql';
import { TITLE_SUFFIX } from '../../navigation';
import { BusyActions } from '../../shared/busy-actions';
import { confirmAction } from '../../shared/confirm-dialog';
import { CopyButton } from '../../shared/copy-button';
import { Icon } from '../../shared/icon/icon';
import { livePatch } from '../../shared/live-patch';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';
import { ServerDialog } from './server.dialog';
import { ServerMetricsChart } from './server-metrics-chart';

const GIB = 1024 ** 3;

export function gibibytes(bytes: number | null | undefined): string {
  return bytes == null ? '—' : `${(bytes / GIB).toFixed(bytes < 10 * GIB ? 1 : 0)} GiB`;
}

@Component({
  selector: 'tomo-server-page',
  imports: [MatButtonModule, RouterLink, CopyButton, Icon, LoadState, ServerMetricsChart, StatusChip, TimeAgo],
  template: `
    <tomo-load-state
      what="the server"
      [loading]="data.isLoading() && !data.hasValue()"
      [error]="data.error() ? message(data.error()) : undefined"
      (retry)="data.reload()"
    >
      @if (server(); as s) {
        <p class="muted"><a routerLink="/servers">Servers</a> /</p>
        <header class="page-header row">
          <div>
            <h1>{{ s.name }} <tomo-status-chip [status]="s.status" /></h1>
            <p class="subtitle mono">{{ s.username }}&#64;{{ s.host }}:{{ s.port }}</p>
          </div>
          <div class="actions">
            @if (session.can('Mutation.testConnection')) {
              <button mat-stroked-button type="button" [disabled]="busy()" (click)="test()">
                <tomo-icon name="refresh" /> Test connection
              </button>
            }
            @if (session.can('Mutation.updateServer')) {
              <button mat-stroked-button type="button" [disabled]="busy()" (click)="edit(s)">
                <tomo-icon name="edit" /> Edit
              </button>
            }
            @if (session.can('Mutation.deleteServer')) {
              <button mat-stroked-button type="button" [disabled]="busy()" (click)="remove()">
                <tomo-icon name="delete" /> Delete
              </button>
            }
          </div>
        </header>

        @if (s.status === 'HOST_KEY_MISMATCH') {
          <section class="banner" role="alert" aria-labelledby="mismatch-title">
            <tomo-icon name="warning" />
            <div>
              <p id="mismatch-title"><strong>The server presented a different host key.</strong></p>
              <p>
                This can mean the server was reinstalled, or that someone is intercepting the connection. Tomo refuses
                to connect until the new key is accepted.
              </p>
              <p>
                Pinned: <span class="mono">{{ s.hostKeyFingerprint }}</span>
              </p>
              <p>
                Offered: <span class="mono">{{ s.presentedHostKeyFingerprint ?? 'unknown' }}</span>
              </p>
              @if (session.can('Mutation.acceptServerHostKey')) {
                <button mat-flat-button type="button" [disabled]="busy()" (click)="acceptHostKey()">
                  Accept new host key
                </button>
              } @else {
                <p>Ask an administrator to check and accept the new key.</p>
              }
            </div>
          </section>
        } @else if (s.statusMessage && s.status !== 'ONLINE') {
          <p class="banner" role="status">{{ s.statusMessage }}</p>
        }

        <section class="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">Facts</h2>
          <dl class="facts">
            <div>
              <dt>Operating system</dt>
              <dd>{{ s.os ?? '—' }}</dd>
            </div>
            <div>
              <dt>Architecture</dt>
              <dd>{{ s.arch ?? '—' }}</dd>
            </div>
            <div>
              <dt>CPUs</dt>
              <dd>{{ s.cpuCount ?? '—' }}</dd>
            </div>
            <div>
              <dt>Memory</dt>
              <dd>{{ gib(s.memoryBytes) }}</dd>
            </div>
            <div>
              <dt>Disk</dt>
              <dd>{{ gib(s.diskBytes) }}</dd>
            </div>
            <div>
              <dt>Docker</dt>
              <dd>{{ s.dockerVersion ?? '—' }}</dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd><tomo-time [value]="s.lastSeenAt" /></dd>
            </div>
            <div>
              <dt>Last checked</dt>
              <dd><tomo-time [value]="s.lastCheckedAt" /></dd>
            </div>
            <div class="wide">
              <dt>Host key fingerprint</dt>
              <dd>
                <span class="mono">{{ s.hostKeyFingerprint ?? 'not pinned yet' }}</span>
                @if (s.hostKeyFingerprint) {
                  <tomo-copy-button [value]="s.hostKeyFingerprint" label="host key fingerprint" />
                }
              </dd>
            </div>
          </dl>
        </section>

        <tomo-server-metrics-chart class="panel" [serverId]="s.id" />
        <section class="panel" aria-labelledby="deployments-title">
          <h2 id="deployments-title">Deployments</h2>
          @for (d of deployments(); track d.id) {
            <p>
              <a [routerLink]="['/deployments', d.id]">{{ d.appId }}</a> <tomo-status-chip [status]="d.status" />
            </p>
          } @empty {
            <p class="muted">No apps deployed on this server.</p>
          }
        </section>
      }
    </tomo-load-state>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    h1 {
      display: flex;
      align-items: center;
      gap: 12px;
    }
    .wide {
      grid-column: 1 / -1;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerPage {
  /** Route parameter. */
  readonly id = input.required<string>();

  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  private readonly actions = new BusyActions();
  protected readonly busy = this.actions.any;
  protected readonly data = resource({
    params: () => ({ id: this.id() }),
    loader: ({ params }) => this.api.query(ServerDocument, params),
  });
  protected readonly server = computed(() => (this.data.hasValue() ? this.data.value().server : undefined));
  protected readonly deployments = computed(() => (this.data.hasValue() ? this.data.value().deployments : []));
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly gib = gibibytes;

  constructor() {
    // The connection test's result (status, facts, a host key mismatch) arrives as it happens.
    const patch = livePatch(this.data);
    this.api
      .subscribe(ServerUpdatedDocument)
      .pipe(takeUntilDestroyed(inject(DestroyRef)))
      .subscribe(({ serverUpdated }) => {
        if (serverUpdated.id === this.id()) patch((data) => ({ ...data, server: serverUpdated }));
      });
    const title = inject(Title);
    effect(() => {
      const server = this.server();
      if (server) title.setTitle(server.name + TITLE_SUFFIX);
    });
  }

  protected test(): Promise<void> {
    return this.actions.run(this.id(), async () => {
      await this.api.mutate(TestConnectionDocument, { serverId: this.id() });
      this.toasts.info('Connection test started');
      this.data.reload();
    });
  }

  protected acceptHostKey(): Promise<void> {
    return this.actions.run(this.id(), async () => {
      await this.api.mutate(AcceptServerHostKeyDocument, { id: this.id() });
      this.toasts.info('New host key accepted; testing the connection again');
      this.data.reload();
    });
  }

  protected edit(server: ServerFactsFragment): void {
    this.dialog
      .open<ServerDialog, ServerFactsFragment, { id: string }>(ServerDialog, { data: server, width: '560px' })
      .afterClosed()
      .subscribe((saved) => {
        if (saved) this.data.reload();
      });
  }

  protected async remove(): Promise<void> {
    const name = this.server()?.name ?? 'this server';
    const confirmed = await confirmAction(this.dialog, {
      title: `Delete ${name}?`,
      message: `Tomo forgets ${name}, its credentials and its metrics. Apps deployed on it must be uninstalled first.`,
      confirm: 'Delete server',
    });
    if (!confirmed) return;
    await this.actions.run(this.id(), async () => {
      await this.api.mutate(DeleteServerDocument, { id: this.id() });
      this.toasts.info(`Deleted ${name}`);
      await this.router.navigateByUrl('/servers');
    });
  }
}
