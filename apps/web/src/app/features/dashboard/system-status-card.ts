import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import type { LoadState } from '../../core/load-state';
import type { Readiness } from '../../core/system/readiness';
import { Icon } from '../../shared/icon/icon';

/** The API's version and whether it is ready (its database and Redis reachable). */
@Component({
  selector: 'tomo-system-status-card',
  imports: [MatButtonModule, MatCardModule, MatProgressSpinnerModule, Icon],
  templateUrl: './system-status-card.html',
  styleUrl: './system-status-card.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SystemStatusCard {
  readonly version = input.required<LoadState<string>>();
  readonly readiness = input.required<LoadState<Readiness>>();
  readonly refresh = output();
}
