import type { IconName } from './shared/icon/icons';

/** A top-level section of the console: one side-nav entry and one route. */
export interface Section {
  readonly path: string;
  readonly label: string;
  readonly icon: IconName;
}

/** Ends every page title: "Servers · Tomo". */
export const TITLE_SUFFIX = ' · Tomo';

export const SECTIONS: readonly Section[] = [
  {
    path: '',
    label: 'Dashboard',
    icon: 'dashboard',
  },
  {
    path: 'servers',
    label: 'Servers',
    icon: 'servers',
  },
  {
    path: 'apps',
    label: 'Apps',
    icon: 'apps',
  },
  {
    path: 'deployments',
    label: 'Deployments',
    icon: 'deployments',
  },
  {
    path: 'jobs',
    label: 'Jobs',
    icon: 'jobs',
  },
  {
    path: 'settings',
    label: 'Settings',
    icon: 'settings',
  },
];
