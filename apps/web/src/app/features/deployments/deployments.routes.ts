import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const DEPLOYMENTS_ROUTES: Routes = [
  {
    path: '',
    title: 'Deployments' + TITLE_SUFFIX,
    loadComponent: () => import('./deployments.page').then((m) => m.DeploymentsPage),
  },
  {
    path: ':id',
    title: 'Deployment' + TITLE_SUFFIX,
    loadComponent: () => import('./deployment.page').then((m) => m.DeploymentPage),
  },
];
