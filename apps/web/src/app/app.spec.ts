import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router, withComponentInputBinding } from '@angular/router';
import { Subject } from 'rxjs';
import { App } from './app';
import { SessionService } from './core/auth/session.service';
import { Api } from './core/graphql/api';
import { failed, loaded, type LoadState, loading } from './core/load-state';
import { SystemStatusService } from './core/system/system-status.service';
import { appRoutes } from './app.routes';

describe('App shell', () => {
  let version: Subject<LoadState<string>>;

  beforeEach(() => {
    version = new Subject();
    // The shell as a signed-in admin sees it (sign-in itself is covered by the e2e journey).
    const user = {
      id: '1',
      username: 'owner',
      role: 'ADMIN',
      sessionExpiresAt: null,
      permissions: ['Query.apiTokens', 'Query.sessions'],
    };
    TestBed.configureTestingModule({
      providers: [
        provideRouter(appRoutes, withComponentInputBinding()),
        { provide: SystemStatusService, useValue: { version: () => version, readiness: () => new Subject() } },
        // The theme asks for the user's preferences: the defaults.
        {
          provide: Api,
          useValue: { query: () => Promise.resolve({ myPreferences: { theme: 'SYSTEM', timeFormat: 'SYSTEM' } }) },
        },
        {
          provide: SessionService,
          useValue: {
            user: signal(user),
            idleWarning: signal(null),
            whoAmI: () => Promise.resolve(user),
            can: (operation: string) => user.permissions.includes(operation),
          },
        },
      ],
    });
  });

  async function renderShell() {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  it('shows the brand and every section in the navigation', async () => {
    const { root } = await renderShell();
    expect(root.querySelector('.brand')?.textContent?.trim()).toBe('Tomo');
    const links = Array.from(root.querySelectorAll<HTMLAnchorElement>('nav a'));
    expect(links.map((a) => a.textContent?.trim())).toEqual([
      'Dashboard',
      'Servers',
      'Apps',
      'Deployments',
      'Jobs',
      'Settings',
    ]);
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '/',
      '/servers',
      '/apps',
      '/deployments',
      '/jobs',
      '/settings',
    ]);
  });

  it.each([
    [loading, 'API …'],
    [loaded('0.1.0'), 'API v0.1.0'],
    [failed('the API is unreachable'), 'API unreachable'],
  ])('shows the API version in the toolbar (%j)', async (state, label) => {
    const { fixture, root } = await renderShell();
    version.next(state);
    await fixture.whenStable();
    expect(root.querySelector('[data-testid="toolbar-version"]')?.textContent?.trim()).toBe(label);
  });

  it('lists the settings pages the user may read', async () => {
    const { fixture, root } = await renderShell();
    await TestBed.inject(Router).navigateByUrl('/settings');
    await fixture.whenStable();
    expect(root.querySelector('h1')?.textContent).toBe('Settings');
    const links = [...root.querySelectorAll('tomo-settings-page h2 a')].map((a) => a.textContent?.trim());
    expect(links).toEqual(['API tokens', 'Sessions']);
    expect(root.querySelector('nav a[aria-current="page"]')?.textContent?.trim()).toBe('Settings');
  });

  it('has a page for unknown addresses', async () => {
    const { fixture, root } = await renderShell();
    await TestBed.inject(Router).navigateByUrl('/no/such/page');
    await fixture.whenStable();
    expect(root.querySelector('h1')?.textContent).toBe('Page not found');
  });
});
