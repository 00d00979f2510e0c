import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import type { Theme, TimeFormat } from '../../core/graphql/generated/graphql';
import { ThemeService } from '../../core/theme/theme.service';

/** The settings pages, each listed when the signed-in user may read it. */
const PAGES = [
  {
    path: 'system',
    label: 'System settings',
    purpose: 'Session lifetimes, retention, thresholds and schedule intervals.',
    needs: 'Query.settings',
  },
  {
    path: 'api-tokens',
    label: 'API tokens',
    purpose: 'Tokens for GraphQL and MCP clients: create, see their last use, revoke.',
    needs: 'Query.apiTokens',
  },
  {
    path: 'users',
    label: 'Users',
    purpose: 'Who may sign in, with which role; disable an account.',
    needs: 'Query.users',
  },
  {
    path: 'sessions',
    label: 'Sessions',
    purpose: 'Where you are signed in; end the ones you do not recognise.',
    needs: 'Query.sessions',
  },
  {
    path: 'schedules',
    label: 'Schedules',
    purpose: 'The periodic maintenance workflows: next and last run, pause, run now.',
    needs: 'Query.schedules',
  },
  {
    path: 'marketplace',
    label: 'Marketplace repositories',
    purpose: 'Git repositories whose apps join the catalog: add, sync, enable, remove.',
    needs: 'Query.marketplaceRepos',
  },
  {
    path: 'audit-log',
    label: 'Audit log',
    purpose: 'Every change: who made it, when, and how it ended.',
    needs: 'Query.auditLog',
  },
] as const;

const THEMES: { value: Theme; label: string }[] = [
  { value: 'SYSTEM', label: 'System' },
  { value: 'LIGHT', label: 'Light' },
  { value: 'DARK', label: 'Dark' },
];
const TIME_FORMATS: { value: TimeFormat; label: string }[] = [
  { value: 'SYSTEM', label: 'System' },
  { value: 'H24', label: '24-hour' },
  { value: 'H12', label: '12-hour' },
];

@Component({
  selector: 'tomo-settings-page',
  imports: [MatButtonToggleModule, RouterLink],
  template: `
    <header class="page-header">
      <h1>Settings</h1>
    </header>
    <section class="panel preferences" aria-labelledby="my-preferences">
      <h2 id="my-preferences">My preferences</h2>
      <p>Yours in every browser you sign in to. System follows this device.</p>
      <div class="preference">
        <span id="theme-label">Theme</span>
        <mat-button-toggle-group
          aria-labelledby="theme-label"
          [value]="preferences.theme()"
          (change)="preferences.update({ theme: $event.value })"
        >
          @for (theme of themes; track theme.value) {
            <mat-button-toggle [value]="theme.value">{{ theme.label }}</mat-button-toggle>
          }
        </mat-button-toggle-group>
      </div>
      <div class="preference">
        <span id="time-format-label">Time format</span>
        <mat-button-toggle-group
          aria-labelledby="time-format-label"
          [value]="preferences.timeFormat()"
          (change)="preferences.update({ timeFormat: $event.value })"
        >
          @for (format of timeFormats; track format.value) {
            <mat-button-toggle [value]="format.value">{{ format.label }}</mat-button-toggle>
          }
        </mat-button-toggle-group>
      </div>
    </section>
    <ul class="pages">
      @for (page of pages(); track page.path) {
        <li class="panel">
          <h2>
            <a [routerLink]="page.path">{{ page.label }}</a>
          </h2>
          <p>{{ page.purpose }}</p>
        </li>
      }
    </ul>
  `,
  styleUrl: '../../shared/page.scss',
  styles: `
    .pages {
      list-style: none;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
      gap: 16px;
    }
    .pages .panel {
      margin: 0;
    }
    h2 a {
      color: var(--mat-sys-primary);
    }
    p {
      margin: 0;
    }
    .preference {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px 16px;
      margin-top: 12px;
    }
    .preference > span {
      min-width: 96px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingsPage {
  private readonly session = inject(SessionService);
  protected readonly preferences = inject(ThemeService);
  protected readonly themes = THEMES;
  protected readonly timeFormats = TIME_FORMATS;
  protected readonly pages = computed(() => PAGES.filter((page) => this.session.can(page.needs)));
}
