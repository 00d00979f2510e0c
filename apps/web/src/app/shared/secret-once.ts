import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { CopyButton } from './copy-button';

/**
 * A secret the API returns once, in the answer that created it (an API token, a webhook's signing
 * secret): shown with a copy button until the page is left.
 */
@Component({
  selector: 'tomo-secret-once',
  imports: [CopyButton],
  template: `
    <div class="secret" role="status">
      <p>
        <strong>Copy {{ what() }} now: it is not shown again.</strong>
      </p>
      <p class="token">
        <code class="mono" [attr.data-testid]="testId()">{{ value() }}</code>
        <tomo-copy-button [value]="value()" [label]="copyLabel()" />
      </p>
    </div>
  `,
  styles: `
    .mono {
      font-family: ui-monospace, 'Cascadia Mono', 'DejaVu Sans Mono', monospace;
      font-size: 0.9em;
    }
    .secret {
      margin: 16px 0;
      padding: 12px 16px;
      border-radius: 12px;
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
    }
    .secret p {
      margin: 0;
    }
    .token {
      display: flex;
      align-items: center;
      gap: 8px;
      margin-top: 8px !important;
      overflow-wrap: anywhere;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SecretOnce {
  /** What to copy, as the sentence names it: `the token "backup"`. */
  readonly what = input.required<string>();
  readonly value = input.required<string>();
  /** The copy button's name: "Copy <copyLabel>". */
  readonly copyLabel = input.required<string>();
  /** Where tests read the value. */
  readonly testId = input.required<string>();
}
