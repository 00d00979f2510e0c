import type { Routes } from '@angular/router';
import { TITLE_SUFFIX } from '../../navigation';

export const JOBS_ROUTES: Routes = [
  { path: '', title: 'Jobs' + TITLE_SUFFIX, loadComponent: () => import('./jobs.page').then((m) => m.JobsPage) },
  { path: ':id', title: 'Job' + TITLE_SUFFIX, loadComponent: () => import('./job.page').then((m) => m.JobPage) },
];
