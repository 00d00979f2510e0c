import { MediaMatcher } from '@angular/cdk/layout';
import { DOCUMENT, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Toasts } from '../../shared/toasts';
import { SessionService, type SignedInUser } from '../auth/session.service';
import { Api } from '../graphql/api';
import { MyPreferencesDocument, UpdateMyPreferencesDocument } from '../graphql/generated/graphql';
import { type Preferences, showsDark, ThemeService } from './theme.service';

/** The API's side: each user's stored preferences; `myPreferences` answers after `release()` when held. */
class FakePreferencesApi {
  readonly stored = new Map<string, Preferences>();
  userId: string | null = null;
  readonly saved: Partial<Preferences>[] = [];
  private held: (() => void)[] = [];
  hold = false;

  private answer<T>(value: T): Promise<T> {
    if (!this.hold) return Promise.resolve(value);
    return new Promise((resolve) => this.held.push(() => resolve(value)));
  }

  release(): void {
    this.held.splice(0).forEach((resolve) => resolve());
  }

  private mine(): Preferences {
    return (
      this.stored.get(this.userId ?? '') ?? {
        theme: 'SYSTEM',
        timeFormat: 'SYSTEM',
      }
    );
  }

  query(document: unknown): Promise<unknown> {
    expect(document).toBe(MyPreferencesDocument);
    return this.answer({ myPreferences: this.mine() });
  }

  mutate(document: unknown, variables: { input: Partial<Preferences> }): Promise<unknown> {
    expect(document).toBe(UpdateMyPreferencesDocument);
    this.saved.push(variables.input);
    this.stored.set(this.userId ?? '', { ...this.mine(), ...variables.input });
    return Promise.resolve({ updateMyPreferences: this.mine() });
  }
}

describe('showsDark', () => {
  it('follows the OS under SYSTEM only', () => {
    expect([showsDark('SYSTEM', true), showsDark('SYSTEM', false)]).toEqual([true, false]);
    expect([showsDark('DARK', false), showsDark('LIGHT', true)]).toEqual([true, false]);
  });
});

describe('ThemeService', () => {
  let api: FakePreferencesApi;
  const user = signal<SignedInUser | null | undefined>(undefined);
  const errors: string[] = [];
  let osListener: ((event: { matches: boolean }) => void) | undefined;
  let osDark = false;

  const signIn = (id: string) => {
    api.userId = id;
    user.set({
      id,
      username: id,
      role: 'VIEWER',
      permissions: [],
      sessionExpiresAt: null,
    });
  };
  /** Lets effects run and pending answers arrive. */
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      TestBed.tick();
      await Promise.resolve();
    }
  };

  beforeEach(() => {
    api = new FakePreferencesApi();
    user.set(undefined);
    errors.length = 0;
    osDark = false;
    TestBed.configureTestingModule({
      providers: [
        { provide: Api, useValue: api },
        { provide: SessionService, useValue: { user } },
        {
          provide: Toasts,
          useValue: { error: (message: string) => errors.push(message) },
        },
        {
          provide: MediaMatcher,
          useValue: {
            matchMedia: () => ({
              matches: osDark,
              addEventListener: (_: string, listener: (event: { matches: boolean }) => void) => (osListener = listener),
            }),
          },
        },
      ],
    });
  });

  it('follows the OS live before sign-in, and a toggle then is not saved', async () => {
    const theme = TestBed.inject(ThemeService);
    user.set(null);
    await settle();
    expect([theme.theme(), theme.isDark()]).toEqual(['SYSTEM', false]);
    osListener?.({ matches: true });
    expect(theme.isDark()).toBe(true);
    await theme.toggle();
    expect(theme.theme()).toBe('LIGHT');
    expect(api.saved).toEqual([]);
  });

  it("applies the signed-in user's preferences and saves each change for them", async () => {
    api.stored.set('ann', { theme: 'DARK', timeFormat: 'H12' });
    const theme = TestBed.inject(ThemeService);
    signIn('ann');
    await settle();
    expect([theme.theme(), theme.timeFormat(), theme.isDark()]).toEqual(['DARK', 'H12', true]);
    expect(TestBed.inject(DOCUMENT).documentElement.style.colorScheme).toBe('dark');

    await theme.toggle();
    await theme.update({ timeFormat: 'H24' });
    expect(api.saved).toEqual([{ theme: 'LIGHT' }, { timeFormat: 'H24' }]);
    expect(api.stored.get('ann')).toEqual({
      theme: 'LIGHT',
      timeFormat: 'H24',
    });
    expect([theme.theme(), theme.timeFormat()]).toEqual(['LIGHT', 'H24']);
  });

  it('goes back to the OS on sign-out and loads the next user their own', async () => {
    api.stored.set('ann', { theme: 'DARK', timeFormat: 'H12' });
    const theme = TestBed.inject(ThemeService);
    signIn('ann');
    await settle();
    user.set(null);
    await settle();
    expect([theme.theme(), theme.timeFormat()]).toEqual(['SYSTEM', 'SYSTEM']);
    signIn('bob');
    await settle();
    expect(theme.theme()).toBe('SYSTEM');
    expect(TestBed.inject(DOCUMENT).documentElement.style.colorScheme).toBe('');
  });

  it('keeps a change made while the stored preferences are still on their way', async () => {
    api.stored.set('ann', { theme: 'LIGHT', timeFormat: 'SYSTEM' });
    api.hold = true;
    const theme = TestBed.inject(ThemeService);
    signIn('ann');
    await settle();
    await theme.update({ theme: 'DARK' });
    api.release(); // the stored LIGHT arrives after the change: it must not undo it
    await settle();
    expect(theme.theme()).toBe('DARK');
    expect(api.stored.get('ann')?.theme).toBe('DARK');
  });

  it('keeps the choice on screen and says so when saving fails', async () => {
    const theme = TestBed.inject(ThemeService);
    signIn('ann');
    await settle();
    api.mutate = () => Promise.reject(new Error('The API returned no data'));
    await theme.update({ theme: 'DARK' });
    expect(theme.theme()).toBe('DARK');
    expect(errors).toEqual([expect.stringMatching(/^Your preference was not saved: .*The API returned no data/)]);
  });
});
