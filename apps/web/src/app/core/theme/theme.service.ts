import { MediaMatcher } from '@angular/cdk/layout';
import { computed, DOCUMENT, effect, inject, Injectable, signal } from '@angular/core';

export type ThemePreference = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'tomo.theme';

function isPreference(value: unknown): value is ThemePreference {
  return value === 'system' || value === 'light' || value === 'dark';
}

/**
 * Light, dark, or whatever the OS says. Kept in this browser's localStorage for now; the per-user
 * preference (`myPreferences`) replaces the storage here without touching the toggle.
 */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  private readonly document = inject(DOCUMENT);
  private readonly stored = this.document.defaultView?.localStorage.getItem(STORAGE_KEY);
  readonly preference = signal<ThemePreference>(isPreference(this.stored) ? this.stored : 'system');
  private readonly osDark = signal(false);
  /** Whether the page shows dark now (the OS decides under 'system'). */
  readonly isDark = computed(() => {
    const preference = this.preference();
    return preference === 'system' ? this.osDark() : preference === 'dark';
  });

  constructor() {
    const media = inject(MediaMatcher).matchMedia('(prefers-color-scheme: dark)');
    this.osDark.set(media.matches);
    media.addEventListener?.('change', (event) => this.osDark.set(event.matches));
    effect(() => {
      const preference = this.preference();
      // styles.scss themes with light-dark(): the color-scheme property picks the side.
      this.document.documentElement.style.colorScheme = preference === 'system' ? '' : preference;
      this.document.defaultView?.localStorage.setItem(STORAGE_KEY, preference);
    });
  }

  toggle(): void {
    this.preference.set(this.isDark() ? 'light' : 'dark');
  }
}
