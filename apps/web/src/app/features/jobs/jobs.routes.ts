import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const JOBS_ROUTES: Routes = [
  {
    path: '',
    title: 'Jobs' + TITLE_SUFFIX,
    loadComponent: () => import('./jobs-list.page').then((m) => m.JobsListPage),
  },
  { path: ':id', title: 'Job' + TITLE_SUFFIX, loadComponent: () => import('./job.page').then((m) => m.JobPage) },
];
