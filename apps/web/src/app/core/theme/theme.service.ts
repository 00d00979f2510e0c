import { MediaMatcher } from '@angular/cdk/layout';
import { computed, DOCUMENT, effect, inject, Injectable, signal, untracked } from '@angular/core';
import { Toasts } from '../../shared/toasts';
import { SessionService } from '../auth/session.service';
import { Api } from '../graphql/api';
import { apiError } from '../graphql/api-error';
import {
  MyPreferencesDocument,
  type PreferencesFieldsFragment,
  type Theme,
  UpdateMyPreferencesDocument,
} from '../graphql/generated/graphql';

export type Preferences = PreferencesFieldsFragment;

/** What the console shows before sign-in and until the user's own preferences arrive: the OS's choice. */
const OS_DEFAULTS: Preferences = { theme: 'SYSTEM', timeFormat: 'SYSTEM' };

/** Whether a theme shows dark: SYSTEM follows the OS. */
export function showsDark(theme: Theme, osDark: boolean): boolean {
  return theme === 'SYSTEM' ? osDark : theme === 'DARK';
}

/**
 * The signed-in user's console preferences (`myPreferences`): light, dark or the OS's theme, and
 * 24 h, 12 h or the locale's clock for absolute times. Read after sign-in, saved on each change, so
 * they follow the user to any browser; before sign-in the console follows the OS.
 */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  private readonly document = inject(DOCUMENT);
  private readonly api = inject(Api);
  private readonly session = inject(SessionService);
  private readonly toasts = inject(Toasts);
  private readonly current = signal<Preferences>(OS_DEFAULTS);
  /** Whose preferences `current` holds (null: nobody's), so a refreshed `me` does not ask again. */
  private loadedFor: string | null = null;
  /** Bumped by each load and change: an answer that arrives after a newer one is dropped. */
  private version = 0;
  private readonly osDark = signal(false);

  readonly theme = computed(() => this.current().theme);
  readonly timeFormat = computed(() => this.current().timeFormat);
  /** Whether the page shows dark now (the OS decides under SYSTEM). */
  readonly isDark = computed(() => showsDark(this.theme(), this.osDark()));

  constructor() {
    const media = inject(MediaMatcher).matchMedia('(prefers-color-scheme: dark)');
    this.osDark.set(media.matches);
    media.addEventListener?.('change', (event) => this.osDark.set(event.matches));
    effect(() => {
      const theme = this.theme();
      // styles.scss themes with light-dark(): the color-scheme property picks the side.
      this.document.documentElement.style.colorScheme = theme === 'SYSTEM' ? '' : theme.toLowerCase();
    });
    effect(() => {
      const user = this.session.user();
      // undefined: `me` is being asked again (stayIn); the same user keeps their preferences meanwhile.
      if (user === undefined) return;
      untracked(() => void this.load(user?.id ?? null));
    });
  }

  toggle(): Promise<void> {
    return this.update({ theme: this.isDark() ? 'LIGHT' : 'DARK' });
  }

  /** Applies a change at once and saves it for the signed-in user (before sign-in it lasts the page). */
  async update(change: Partial<Preferences>): Promise<void> {
    const version = ++this.version;
    this.current.update((preferences) => ({ ...preferences, ...change }));
    if (this.loadedFor === null) return;
    try {
      const saved = await this.api.mutate(UpdateMyPreferencesDocument, { input: change });
      if (version === this.version) this.current.set(saved.updateMyPreferences);
    } catch (error) {
      this.toasts.error(`Your preference was not saved: ${apiError(error).message}`);
    }
  }

  private async load(userId: string | null): Promise<void> {
    if (userId === this.loadedFor) return;
    this.loadedFor = userId;
    const version = ++this.version;
    this.current.set(OS_DEFAULTS);
    if (userId === null) return;
    try {
      const { myPreferences } = await this.api.query(MyPreferencesDocument);
      if (version === this.version) this.current.set(myPreferences);
    } catch {
      // The console stays usable with the OS's choices; pages report an unreachable API themselves.
    }
  }
}
