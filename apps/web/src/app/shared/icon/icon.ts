import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { type IconName, ICONS } from './icons';

/** A decorative inline SVG icon; it inherits the text colour and is hidden from screen readers. */
@Component({
  selector: 'tomo-icon',
  template: `<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
    <path [attr.d]="path()" />
  </svg>`,
  styles: `
    :host {
      display: inline-flex;
      width: 24px;
      height: 24px;
      flex: none;
    }
    svg {
      width: 100%;
      height: 100%;
      fill: currentColor;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Icon {
  readonly name = input.required<IconName>();
  protected readonly path = computed(() => ICONS[this.name()]);
}
