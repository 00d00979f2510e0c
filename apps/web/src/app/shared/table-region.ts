import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/**
 * The scroll region around a wide table: named, and focusable so that keyboard users can scroll it
 * (axe's scrollable-region-focusable). The table itself stays in the page, with its columns.
 */
@Component({
  selector: 'tomo-table-region',
  template: `<div class="scroll" tabindex="0" role="region" [attr.aria-label]="label()"><ng-content /></div>`,
  styles: `
    :host {
      display: block;
    }
    .scroll {
      overflow-x: auto;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TableRegion {
  readonly label = input.required<string>();
}
