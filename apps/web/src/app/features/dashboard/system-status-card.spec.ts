import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { failed, loaded, type LoadState, loading } from '../../core/load-state';
import type { Readiness } from '../../core/system/readiness';
import { SystemStatusCard } from './system-status-card';

const READY: Readiness = {
  ready: true,
  checks: [
    { name: 'database', label: 'Database', up: true },
    { name: 'redis', label: 'Redis', up: true },
  ],
};

describe('SystemStatusCard', () => {
  let fixture: ComponentFixture<SystemStatusCard>;

  async function render(version: LoadState<string>, readiness: LoadState<Readiness>): Promise<HTMLElement> {
    fixture.componentRef.setInput('version', version);
    fixture.componentRef.setInput('readiness', readiness);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  function text(root: HTMLElement, testId: string): string {
    return root.querySelector(`[data-testid="${testId}"] dd`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(SystemStatusCard);
  });

  it('shows spinners while loading', async () => {
    const root = await render(loading, loading);
    expect(root.querySelectorAll('mat-spinner')).toHaveLength(2);
    expect(text(root, 'api-version')).toBe('');
  });

  it('shows the version and each dependency up', async () => {
    const root = await render(loaded('0.1.0'), loaded(READY));
    expect(text(root, 'api-version')).toBe('0.1.0');
    const items = Array.from(root.querySelectorAll('[data-testid="readiness"] li'));
    expect(items.map((li) => li.textContent?.trim())).toEqual(['Database: up', 'Redis: up']);
    expect(items.every((li) => li.classList.contains('up'))).toBe(true);
  });

  it('shows a dependency that is down with its reason', async () => {
    const root = await render(
      loaded('0.1.0'),
      loaded({
        ready: false,
        checks: [
          { name: 'database', label: 'Database', up: true },
          { name: 'redis', label: 'Redis', up: false, message: 'connect ECONNREFUSED' },
        ],
      }),
    );
    const redis = root.querySelectorAll('[data-testid="readiness"] li')[1];
    expect(redis.classList).toContain('down');
    expect(redis.textContent?.replace(/\s+/g, ' ').trim()).toBe('Redis: down — connect ECONNREFUSED');
  });

  it('shows errors instead of values when the API cannot be asked', async () => {
    const root = await render(failed('the API is unreachable'), failed('HTTP 502 Bad Gateway'));
    expect(text(root, 'api-version')).toBe('Unavailable: the API is unreachable');
    expect(text(root, 'readiness')).toBe('Readiness check failed: HTTP 502 Bad Gateway');
  });

  it('asks for a new check when the button is pressed', async () => {
    const root = await render(loaded('0.1.0'), loaded(READY));
    const refresh = jest.fn();
    fixture.componentInstance.refresh.subscribe(refresh);
    root.querySelector<HTMLButtonElement>('mat-card-actions button')?.click();
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});
