import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const SETTINGS_ROUTES: Routes = [
  {
    path: '',
    title: 'Settings' + TITLE_SUFFIX,
    loadComponent: () => import('./settings.page').then((m) => m.SettingsPage),
  },
  {
    path: 'api-tokens',
    title: 'API tokens' + TITLE_SUFFIX,
    loadComponent: () => import('./api-tokens.page').then((m) => m.ApiTokensPage),
  },
  {
    path: 'users',
    title: 'Users' + TITLE_SUFFIX,
    loadComponent: () => import('./users.page').then((m) => m.UsersPage),
  },
  {
    path: 'sessions',
    title: 'Sessions' + TITLE_SUFFIX,
    loadComponent: () => import('./sessions.page').then((m) => m.SessionsPage),
  },
  {
    path: 'schedules',
    title: 'Schedules' + TITLE_SUFFIX,
    loadComponent: () => import('./schedules.page').then((m) => m.SchedulesPage),
  },
  {
    path: 'system',
    title: 'System settings' + TITLE_SUFFIX,
    loadComponent: () => import('../system-settings/system-settings.page').then((m) => m.SystemSettingsPage),
  },
  {
    path: 'marketplace',
    title: 'Marketplace repositories' + TITLE_SUFFIX,
    loadComponent: () => import('../marketplace/marketplace-repos.page').then((m) => m.MarketplaceReposPage),
  },
  {
    path: 'audit-log',
    title: 'Audit log' + TITLE_SUFFIX,
    loadComponent: () => import('./audit-log.page').then((m) => m.AuditLogPage),
  },
];
