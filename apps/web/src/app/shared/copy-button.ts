import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Icon } from './icon/icon';
import { Toasts } from './toasts';

/** Copies a value (a fingerprint, an id, a URL) to the clipboard. */
@Component({
  selector: 'tomo-copy-button',
  imports: [MatButtonModule, MatTooltipModule, Icon],
  template: `<button
    mat-icon-button
    type="button"
    [attr.aria-label]="'Copy ' + label()"
    [matTooltip]="'Copy ' + label()"
    (click)="copy()"
  >
    <tomo-icon name="copy" />
  </button>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CopyButton {
  readonly value = input.required<string>();
  /** What is copied, for the accessible name: "host key fingerprint". */
  readonly label = input.required<string>();
  private readonly clipboard = inject(Clipboard);
  private readonly toasts = inject(Toasts);

  protected copy(): void {
    this.toasts.info(this.clipboard.copy(this.value()) ? `Copied the ${this.label()}` : 'Could not copy');
  }
}
