import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Icon } from './icon/icon';

/**
 * The loading, error and empty states every list and page has; the content shows otherwise.
 * `error` is the message of a failed load, with a "Try again" button.
 */
@Component({
  selector: 'tomo-load-state',
  imports: [MatButtonModule, MatProgressBarModule, Icon],
  template: `
    @if (loading()) {
      <mat-progress-bar mode="indeterminate" [attr.aria-label]="'Loading ' + what()" />
    } @else if (error(); as message) {
      <div class="state error" role="alert">
        <tomo-icon name="down" />
        <div>
          <p class="title">Could not load {{ what() }}</p>
          <p>{{ message }}</p>
        </div>
        <button mat-stroked-button type="button" (click)="retry.emit()">Try again</button>
      </div>
    } @else if (empty()) {
      <div class="state empty">
        <p class="title">{{ emptyTitle() }}</p>
        <ng-content select="[empty]" />
      </div>
    } @else {
      <ng-content />
    }
  `,
  styles: `
    :host {
      display: block;
    }
    .state {
      display: flex;
      gap: 16px;
      align-items: center;
      padding: 24px;
      border-radius: 16px;
      background: var(--mat-sys-surface-container-low);
      border: 1px solid var(--mat-sys-outline-variant);
    }
    .empty {
      flex-direction: column;
      text-align: center;
      padding: 48px 24px;
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
      border: none;
    }
    .error > div {
      flex: 1;
    }
    p {
      margin: 0;
    }
    .title {
      font: var(--mat-sys-title-medium);
      color: var(--mat-sys-on-surface);
    }
    .error .title {
      color: inherit;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoadState {
  /** What is loaded, for messages: "servers", "the job". */
  readonly what = input.required<string>();
  readonly loading = input(false);
  readonly error = input<string | undefined>();
  readonly empty = input(false);
  readonly emptyTitle = input('Nothing here yet');
  readonly retry = output();
}
