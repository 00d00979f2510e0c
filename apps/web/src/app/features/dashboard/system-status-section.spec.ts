import { TestBed } from '@angular/core/testing';
import { of } from 'rxjs';
import { loaded } from '../../core/load-state';
import { SystemStatusService } from '../../core/system/system-status.service';
import { SystemStatusSection } from './system-status-section';

describe('SystemStatusSection', () => {
  const status = {
    version: jest.fn(),
    readiness: jest.fn(),
  };

  beforeEach(() => {
    status.version.mockReset().mockReturnValue(of(loaded('9.8.7')));
    status.readiness.mockReset().mockReturnValue(
      of(
        loaded({
          ready: true,
          checks: [
            { name: 'database', label: 'Database', up: true },
            { name: 'redis', label: 'Redis', up: true },
          ],
        }),
      ),
    );
    TestBed.configureTestingModule({ providers: [{ provide: SystemStatusService, useValue: status }] });
  });

  it('shows the version and readiness the service reports', async () => {
    const fixture = TestBed.createComponent(SystemStatusSection);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;

    expect(root.querySelector('[data-testid="api-version"] dd')?.textContent?.trim()).toBe('9.8.7');
    expect(root.querySelector('[data-testid="readiness"]')?.textContent).toContain('Database: up');
    expect(root.querySelector('[data-testid="readiness"]')?.textContent).toContain('Redis: up');
    expect(status.version).toHaveBeenCalledWith({ refresh: false });
  });

  it('checks again, bypassing the cache, when asked', async () => {
    const fixture = TestBed.createComponent(SystemStatusSection);
    await fixture.whenStable();
    (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('mat-card-actions button')?.click();
    await fixture.whenStable();

    expect(status.readiness).toHaveBeenCalledTimes(2);
    expect(status.version).toHaveBeenLastCalledWith({ refresh: true });
  });
});
