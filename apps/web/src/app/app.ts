import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatListModule } from '@angular/material/list';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { SessionService } from './core/auth/session.service';
import { loading } from './core/load-state';
import { SystemStatusService } from './core/system/system-status.service';
import { ThemeService } from './core/theme/theme.service';
import { UnreadNotifications } from './features/notifications/unread-notifications';
import { SECTIONS } from './navigation';
import { Icon } from './shared/icon/icon';

/** Below this width the side nav overlays the page instead of sitting beside it. */
const WIDE_SCREEN = '(min-width: 840px)';

@Component({
  selector: 'tomo-root',
  imports: [
    MatButtonModule,
    MatListModule,
    MatSidenavModule,
    MatToolbarModule,
    MatTooltipModule,
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
    Icon,
  ],
  templateUrl: './app.html',
  styleUrl: './app.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  private readonly session = inject(SessionService);
  protected readonly theme = inject(ThemeService);
  protected readonly sections = SECTIONS;
  protected readonly user = this.session.user;
  protected readonly signedIn = computed(() => !!this.user());
  protected readonly unread = inject(UnreadNotifications);
  protected readonly canSeeNotifications = computed(() => !!this.user() && this.session.can('Query.notifications'));
  protected readonly unreadText = computed(() => `${this.unread.unread()}${this.unread.moreThanCounted() ? '+' : ''}`);
  protected readonly notificationsLabel = computed(() =>
    this.unread.unread() ? `Notifications, ${this.unreadText()} unread` : 'Notifications',
  );
  protected readonly idleWarning = this.session.idleWarning;
  protected readonly wide = toSignal(
    inject(BreakpointObserver)
      .observe(WIDE_SCREEN)
      .pipe(map((state) => state.matches)),
    { initialValue: true },
  );
  protected readonly version = toSignal(inject(SystemStatusService).version(), { initialValue: loading });
  protected readonly versionLabel = computed(() => {
    const version = this.version();
    switch (version.status) {
      case 'loading':
        return 'API …';
      case 'ok':
        return `API v${version.value}`;
      case 'error':
        return 'API unreachable';
    }
  });

  protected signOut(): Promise<void> {
    return this.session.signOut();
  }

  protected stayIn(): Promise<void> {
    return this.session.stayIn();
  }
}
