import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const APPS_ROUTES: Routes = [
  { path: '', title: 'Apps' + TITLE_SUFFIX, loadComponent: () => import('./apps.page').then((m) => m.AppsPage) },
  { path: ':id', title: 'App' + TITLE_SUFFIX, loadComponent: () => import('./app.page').then((m) => m.AppPage) },
  {
    path: ':id/deploy',
    title: 'Deploy' + TITLE_SUFFIX,
    loadComponent: () => import('./deploy.page').then((m) => m.DeployPage),
  },
];
