import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const SERVERS_ROUTES: Routes = [
  {
    path: '',
    title: 'Servers' + TITLE_SUFFIX,
    loadComponent: () => import('./servers.page').then((m) => m.ServersPage),
  },
  {
    path: ':id',
    title: 'Server' + TITLE_SUFFIX,
    loadComponent: () => import('./server.page').then((m) => m.ServerPage),
  },
];
