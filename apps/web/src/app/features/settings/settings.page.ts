import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';

/** The settings pages, each listed when the signed-in user may read it. */
const PAGES = [
  { path: 'api-tokens', label: 'API tokens', purpose: 'Tokens for GraphQL and MCP clients: create, see their last use, revoke.', needs: 'Query.apiTokens' },
  { path: 'users', label: 'Users', purpose: 'Who may sign in, with which role; disable an account.', needs: 'Query.users' },
  { path: 'sessions', label: 'Sessions', purpose: 'Where you are signed in; end the ones you do not recognise.', needs: 'Query.sessions' },
  { path: 'schedules', label: 'Schedules', purpose: 'The periodic maintenance workflows: next and last run, pause, run now.', needs: 'Query.schedules' },
  { path: 'audit-log', label: 'Audit log', purpose: 'Every change: who made it, when, and how it ended.', needs: 'Query.auditLog' },
] as const;

@Component({
  selector: 'tomo-settings-page',
  imports: [RouterLink],
  template: `
    <header class="page-header">
      <h1>Settings</h1>
    </header>
    <ul class="pages">
      @for (page of pages(); track page.path) {
        <li class="panel">
          <h2><a [routerLink]="page.path">{{ page.label }}</a></h2>
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
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingsPage {
  private readonly session = inject(SessionService);
  protected readonly pages = computed(() => PAGES.filter((page) => this.session.can(page.needs)));
}
