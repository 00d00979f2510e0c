import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  resource,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  MarkNotificationsReadDocument,
  type NotificationFieldsFragment,
  NotificationsDocument,
} from '../../core/graphql/generated/graphql';
import { LoadState } from '../../shared/load-state';
import { statusLabel } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { Toasts } from '../../shared/toasts';
import { NotificationChannels } from './notification-channels';
import { UnreadNotifications } from './unread-notifications';

const PAGE = 20;

/** The in-app notifications, newest first and live; mark them read; channels below for admins. */
@Component({
  selector: 'tomo-notifications-page',
  imports: [MatButtonModule, MatSlideToggleModule, RouterLink, LoadState, TimeAgo, NotificationChannels],
  template: `
    <header class="page-header">
      <h1>Notifications</h1>
      <p class="subtitle">What happened on your servers and jobs.</p>
    </header>
    <div class="toolbar">
      <mat-slide-toggle [checked]="unreadOnly()" (change)="unreadOnly.set($event.checked)"
        >Unread only</mat-slide-toggle
      >
      @if (session.can('Mutation.markNotificationsRead')) {
        <button mat-stroked-button type="button" [disabled]="!unreadShown().length" (click)="markRead(unreadShown())">
          Mark all shown as read
        </button>
      }
    </div>
    <tomo-load-state
      what="notifications"
      [loading]="page.isLoading() && !page.hasValue()"
      [error]="page.error() ? message(page.error()) : undefined"
      [empty]="items().length === 0"
      emptyTitle="No notifications"
      (retry)="page.reload()"
    >
      <p empty>Server, job and deployment events appear here as they happen.</p>
      <ul class="items" aria-label="Notifications">
        @for (n of items(); track n.id) {
          <li class="panel" [class.unread]="!n.read">
            <div class="head">
              <strong>{{ label(n.event) }}</strong>
              @if (!n.read) {
                <span class="badge">Unread</span>
              }
              <tomo-time [value]="n.createdAt" />
            </div>
            <p>{{ n.message }}</p>
            <div class="links">
              @if (n.jobId) {
                <a [routerLink]="['/jobs', n.jobId]">Job</a>
              }
              @if (n.serverId) {
                <a [routerLink]="['/servers', n.serverId]">Server</a>
              }
              @if (n.deploymentId) {
                <a [routerLink]="['/deployments', n.deploymentId]">Deployment</a>
              }
              @if (!n.read && session.can('Mutation.markNotificationsRead')) {
                <button mat-button type="button" [attr.aria-label]="'Mark read: ' + n.message" (click)="markRead([n])">
                  Mark read
                </button>
              }
            </div>
          </li>
        }
      </ul>
      @if (endCursor()) {
        <button mat-stroked-button type="button" [disabled]="page.isLoading()" (click)="after.set(endCursor())">
          Older
        </button>
      }
    </tomo-load-state>
    @if (session.can('Query.notificationChannels')) {
      <tomo-notification-channels />
    }
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px 16px;
      margin-bottom: 16px;
    }
    .items {
      list-style: none;
      padding: 0;
      margin: 0 0 16px;
    }
    .items .panel.unread {
      border-left: 4px solid var(--mat-sys-primary);
    }
    .head,
    .links {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 12px;
    }
    .badge {
      padding: 0 8px;
      border-radius: 8px;
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
      font: var(--mat-sys-label-small);
    }
    p {
      margin: 4px 0;
      overflow-wrap: anywhere;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotificationsPage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly toasts = inject(Toasts);
  private readonly unread = inject(UnreadNotifications);
  protected readonly unreadOnly = signal(false);
  /** The cursor of the page to load next ("Older"); null: the newest page. */
  protected readonly after = signal<string | null>(null);
  protected readonly page = resource({
    params: () => ({ unreadOnly: this.unreadOnly(), after: this.after() }),
    loader: ({ params }) =>
      this.api.query(NotificationsDocument, { first: PAGE, ...params }).then((d) => d.notifications),
  });
  /** Every notification shown: the pages loaded so far plus the ones received live. */
  protected readonly items = signal<NotificationFieldsFragment[]>([]);
  protected readonly endCursor = signal<string | null>(null);
  protected readonly unreadShown = computed(() => this.items().filter((n) => !n.read));
  protected readonly message = (error: unknown) => apiError(error).message;
  protected readonly label = statusLabel;

  constructor() {
    // A new filter starts from the newest page again.
    effect(() => {
      this.unreadOnly();
      untracked(() => {
        this.after.set(null);
        this.items.set([]);
      });
    });
    effect(() => {
      const page = this.page.value();
      if (!page) return;
      untracked(() => {
        this.items.set([
          ...this.items(),
          ...page.edges.map((e) => e.node).filter((n) => !this.items().some((i) => i.id === n.id)),
        ]);
        this.endCursor.set(page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null);
      });
    });
    effect(() => {
      const added = this.unread.added();
      if (!added) return;
      untracked(() => {
        if (!this.items().some((n) => n.id === added.id)) this.items.set([added, ...this.items()]);
      });
    });
  }

  protected async markRead(notifications: NotificationFieldsFragment[]): Promise<void> {
    const ids = new Set(notifications.map((n) => n.id));
    try {
      await this.api.mutate(MarkNotificationsReadDocument, { ids: [...ids] });
      this.items.set(this.items().map((n) => (ids.has(n.id) ? { ...n, read: true } : n)));
      await this.unread.refresh();
    } catch (error) {
      this.toasts.error(apiError(error).message);
    }
  }
}
