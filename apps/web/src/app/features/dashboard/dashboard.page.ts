import { ChangeDetectionStrategy, Component } from '@angular/core';
import { SystemStatusSection } from './system-status-section';

@Component({
  selector: 'tomo-dashboard-page',
  imports: [SystemStatusSection],
  template: `
    <header class="page-header">
      <h1>Dashboard</h1>
    </header>
    <tomo-system-status-section />
    <p class="next">
      Servers, deployments and jobs will be summarised here as those sections are built.
    </p>
  `,
  styles: `
    .next {
      margin-top: 24px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardPage {}
