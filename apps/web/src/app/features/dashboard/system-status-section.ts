import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { BehaviorSubject, switchMap } from 'rxjs';
import { loading } from '../../core/load-state';
import { SystemStatusService } from '../../core/system/system-status.service';
import { SystemStatusCard } from './system-status-card';

/**
 * The API's version and readiness, checked again on request. On the dashboard, and on the sign-in
 * and setup pages, where it explains why signing in fails when the database or Redis is down.
 */
@Component({
  selector: 'tomo-system-status-section',
  imports: [SystemStatusCard],
  template: `<tomo-system-status-card [version]="version()" [readiness]="readiness()" (refresh)="checkAgain()" />`,
  styles: `
    tomo-system-status-card {
      display: block;
      max-width: 720px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SystemStatusSection {
  private readonly status = inject(SystemStatusService);
  /** How many times the user asked to check again; the first load may use Apollo's cache. */
  private readonly checks = new BehaviorSubject(0);

  protected readonly version = toSignal(
    this.checks.pipe(switchMap((count) => this.status.version({ refresh: count > 0 }))),
    { initialValue: loading },
  );
  protected readonly readiness = toSignal(this.checks.pipe(switchMap(() => this.status.readiness())), {
    initialValue: loading,
  });

  protected checkAgain(): void {
    this.checks.next(this.checks.value + 1);
  }
}
