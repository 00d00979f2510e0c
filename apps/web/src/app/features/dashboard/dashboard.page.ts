import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { BehaviorSubject, switchMap } from 'rxjs';
import { loading } from '../../core/load-state';
import { SystemStatusService } from '../../core/system/system-status.service';
import { SystemStatusCard } from './system-status-card';

@Component({
  selector: 'tomo-dashboard-page',
  imports: [SystemStatusCard],
  template: `
    <header class="page-header">
      <h1>Dashboard</h1>
    </header>
    <tomo-system-status-card [version]="version()" [readiness]="readiness()" (refresh)="checkAgain()" />
    <p class="next">
      Servers, deployments and jobs will be summarised here as those sections are built.
    </p>
  `,
  styles: `
    tomo-system-status-card {
      display: block;
      max-width: 720px;
    }
    .next {
      margin-top: 24px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardPage {
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
