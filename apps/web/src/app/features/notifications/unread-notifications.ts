import { DestroyRef, effect, inject, Injectable, signal } from '@angular/core';
import { EMPTY, catchError, type Subscription } from 'rxjs';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import {
  NotificationAddedDocument,
  type NotificationFieldsFragment,
  NotificationsDocument,
} from '../../core/graphql/generated/graphql';

/** Unread notifications counted up to this many; the badge then says "99+". */
const COUNTED = 100;

/**
 * The signed-in user's unread count for the toolbar badge, kept live through `notificationAdded`;
 * `added` carries each new notification to the page that lists them.
 */
@Injectable({ providedIn: 'root' })
export class UnreadNotifications {
  private readonly api = inject(Api);
  private readonly session = inject(SessionService);
  private readonly count = signal(0);
  private readonly more = signal(false);
  private readonly last = signal<NotificationFieldsFragment | null>(null);
  private live: Subscription | null = null;
  readonly unread = this.count.asReadonly();
  /** True when there are more unread notifications than were counted. */
  readonly moreThanCounted = this.more.asReadonly();
  /** The newest notification received live. */
  readonly added = this.last.asReadonly();

  constructor() {
    effect(() => {
      const signedIn = !!this.session.user() && this.session.can('Query.notifications');
      this.live?.unsubscribe();
      this.live = null;
      this.count.set(0);
      if (!signedIn) return;
      void this.refresh();
      this.live = this.api
        .subscribe(NotificationAddedDocument)
        .pipe(catchError(() => EMPTY))
        .subscribe(({ notificationAdded }) => {
          this.last.set(notificationAdded);
          if (!notificationAdded.read) this.count.update((n) => n + 1);
        });
    });
    inject(DestroyRef).onDestroy(() => this.live?.unsubscribe());
  }

  /** Counts again from the API, e.g. after marking some read. */
  async refresh(): Promise<void> {
    try {
      const { notifications } = await this.api.query(NotificationsDocument, {
        first: COUNTED,
        unreadOnly: true,
      });
      this.count.set(notifications.edges.length);
      this.more.set(notifications.pageInfo.hasNextPage);
    } catch {
      // The badge is a hint: a failed count leaves the last one shown.
    }
  }
}
