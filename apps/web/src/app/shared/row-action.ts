import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';

/**
 * A button of a list row or table row: the visible verb is its content, its accessible name says
 * which row it acts on ("Remove community"), so screen readers and tests tell the rows apart.
 */
@Component({
  selector: 'tomo-row-action',
  imports: [MatButtonModule],
  template: `<button
    mat-button
    type="button"
    [attr.aria-label]="name()"
    [disabled]="disabled()"
    (click)="pressed.emit()"
  >
    <ng-content />
  </button>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RowAction {
  readonly name = input.required<string>();
  readonly disabled = input(false);
  readonly pressed = output();
}
