import type { IconName } from './shared/icon/icons';

/** A top-level section of the console: one side-nav entry and one route. */
export interface Section {
  readonly path: string;
  readonly label: string;
  readonly icon: IconName;
  /** What the section will do, shown on its page until it exists. */
  readonly purpose: string;
}

/** Ends every page title: "Servers · Tomo". */
export const TITLE_SUFFIX = ' · Tomo';

export const SECTIONS: readonly Section[] = [
  {
    path: '',
    label: 'Dashboard',
    icon: 'dashboard',
    purpose: 'System status, servers up and down, deployments by state and recent jobs.',
  },
  {
    path: 'servers',
    label: 'Servers',
    icon: 'servers',
    purpose: 'Register servers reachable over SSH, test their connection and follow their metrics.',
  },
  {
    path: 'apps',
    label: 'Apps',
    icon: 'apps',
    purpose: 'Browse the marketplace catalog and the git marketplaces you add.',
  },
  {
    path: 'deployments',
    label: 'Deployments',
    icon: 'deployments',
    purpose: 'Install apps on your servers, then start, stop, update or uninstall them.',
  },
  {
    path: 'jobs',
    label: 'Jobs',
    icon: 'jobs',
    purpose: 'Follow every server-touching action live: its steps, attempts, durations and logs.',
  },
  {
    path: 'settings',
    label: 'Settings',
    icon: 'settings',
    purpose: 'System settings, users, API tokens and your preferences.',
  },
];
