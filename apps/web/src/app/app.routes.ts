import type { Route } from '@angular/router';
import { SECTIONS } from './navigation';

const TITLE_SUFFIX = ' · Tomo';

export const appRoutes: Route[] = [
  {
    path: '',
    pathMatch: 'full',
    title: 'Dashboard' + TITLE_SUFFIX,
    loadComponent: () => import('./features/dashboard/dashboard.page').then((m) => m.DashboardPage),
  },
  // Sections that are not built yet say so; their routes exist so links and bookmarks stay valid.
  ...SECTIONS.filter((section) => section.path !== '').map(
    (section): Route => ({
      path: section.path,
      title: section.label + TITLE_SUFFIX,
      data: { section },
      loadComponent: () => import('./features/coming-soon/coming-soon.page').then((m) => m.ComingSoonPage),
    }),
  ),
  {
    path: '**',
    title: 'Page not found' + TITLE_SUFFIX,
    loadComponent: () => import('./features/not-found/not-found.page').then((m) => m.NotFoundPage),
  },
];
