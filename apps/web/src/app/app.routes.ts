import type { Route } from '@angular/router';
import { signedInGuard, signedOutGuard } from './core/auth/auth.guard';
import { TITLE_SUFFIX } from './navigation';

export const appRoutes: Route[] = [
  {
    path: 'sign-in',
    title: 'Sign in' + TITLE_SUFFIX,
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/auth/sign-in.page').then((m) => m.SignInPage),
  },
  {
    path: 'setup',
    title: 'Set up' + TITLE_SUFFIX,
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/auth/setup.page').then((m) => m.SetupPage),
  },
  {
    path: '',
    canActivateChild: [signedInGuard],
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'Dashboard' + TITLE_SUFFIX,
        loadComponent: () => import('./features/dashboard/dashboard.page').then((m) => m.DashboardPage),
      },
      {
        path: 'servers',
        loadChildren: () => import('./features/servers/servers.routes').then((m) => m.SERVERS_ROUTES),
      },
      { path: 'apps', loadChildren: () => import('./features/apps/apps.routes').then((m) => m.APPS_ROUTES) },
      {
        path: 'deployments',
        loadChildren: () => import('./features/deployments/deployments.routes').then((m) => m.DEPLOYMENTS_ROUTES),
      },
      { path: 'jobs', loadChildren: () => import('./features/jobs/jobs.routes').then((m) => m.JOBS_ROUTES) },
      {
        path: 'notifications',
        title: 'Notifications' + TITLE_SUFFIX,
        loadComponent: () => import('./features/notifications/notifications.page').then((m) => m.NotificationsPage),
      },
      {
        path: 'settings',
        loadChildren: () => import('./features/settings/settings.routes').then((m) => m.SETTINGS_ROUTES),
      },
      {
        path: '**',
        title: 'Page not found' + TITLE_SUFFIX,
        loadComponent: () => import('./features/not-found/not-found.page').then((m) => m.NotFoundPage),
      },
    ],
  },
];
