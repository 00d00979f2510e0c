import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';

/**
 * An app's icon as Tomo serves it (never from the catalog's host); its initial on a coloured
 * tile when there is none or it fails to load.
 */
@Component({
  selector: 'tomo-app-icon',
  template: `@if (failed() || !url()) {
      <span class="fallback" aria-hidden="true">{{ initial() }}</span>
    } @else {
      <img [src]="url()" alt="" (error)="failed.set(true)" />
    }`,
  styles: `
    :host {
      display: inline-flex;
      width: 48px;
      height: 48px;
      flex: none;
    }
    img,
    .fallback {
      width: 100%;
      height: 100%;
      border-radius: 12px;
    }
    img {
      object-fit: contain;
    }
    .fallback {
      display: grid;
      place-items: center;
      font: var(--mat-sys-title-large);
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AppIcon {
  readonly name = input.required<string>();
  readonly iconUrl = input<string>();
  protected readonly failed = signal(false);
  /** Only our own origin: a catalog URL pointing elsewhere is not loaded (offline, no tracking). */
  protected readonly url = computed(() => {
    const url = this.iconUrl();
    return url?.startsWith('/') && !url.startsWith('//') ? url : undefined;
  });
  protected readonly initial = computed(() => this.name().charAt(0).toUpperCase());
}
