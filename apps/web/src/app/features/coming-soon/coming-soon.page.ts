import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import type { Section } from '../../navigation';
import { Icon } from '../../shared/icon/icon';

/** The page of a section that is not built yet: it says what is coming, and shows no fake data. */
@Component({
  selector: 'tomo-coming-soon-page',
  imports: [MatCardModule, Icon],
  template: `
    <header class="page-header">
      <h1>{{ section().label }}</h1>
    </header>
    <mat-card appearance="outlined" class="coming-soon">
      <mat-card-content>
        <tomo-icon [name]="section().icon" class="section-icon" />
        <div>
          <p class="headline">Coming soon</p>
          <p class="purpose">{{ section().purpose }}</p>
          <p class="note">This section is not built yet, so there is nothing to show here.</p>
        </div>
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .coming-soon {
      max-width: 720px;
    }
    .coming-soon mat-card-content {
      display: flex;
      gap: 20px;
      align-items: flex-start;
      padding: 24px;
    }
    .section-icon {
      width: 40px;
      height: 40px;
      color: var(--mat-sys-primary);
    }
    p {
      margin: 0 0 8px;
    }
    .headline {
      font: var(--mat-sys-title-large);
    }
    .note {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ComingSoonPage {
  /** Bound from the route's data by withComponentInputBinding(). */
  readonly section = input.required<Section>();
}
