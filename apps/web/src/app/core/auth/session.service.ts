import { computed, effect, inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';
import { now } from '../../shared/time';
import { Api } from '../graphql/api';
import { apiError } from '../graphql/api-error';
import {
  LoginDocument,
  LogoutDocument,
  MeDocument,
  type MeQuery,
  SetupAdminDocument,
  SetupRequiredDocument,
} from '../graphql/generated/graphql';

export type SignedInUser = MeQuery['me'];

/** How long before the idle timeout the console warns. */
const IDLE_WARNING_SECONDS = 120;

/**
 * Who is signed in and what they may do. The session itself is the API's httpOnly cookie: the
 * console never holds a token, it asks `me` and remembers the answer, including the operations
 * the API's access rules allow (`permissions`), so buttons follow the same map the API enforces.
 */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  /** undefined: not asked yet; null: nobody is signed in. */
  private readonly current = signal<SignedInUser | null | undefined>(undefined);
  private pending: Promise<SignedInUser | null> | undefined;
  /** The idle timeout as the API applied it to our `me` request (ms); null without one. */
  private readonly idleMs = signal<number | null>(null);

  readonly user = this.current.asReadonly();
  private readonly permissions = computed(() => new Set(this.current()?.permissions ?? []));

  /** When the session idles out unless used again: the last use plus the idle timeout. */
  private readonly idleAt = computed(() => {
    const idleMs = this.idleMs();
    return idleMs === null || this.api.subscribed() > 0 ? null : this.api.lastUse() + idleMs;
  });
  /** Seconds left before the idle sign-out, while it is near; null otherwise. */
  readonly idleWarning = computed(() => {
    const at = this.idleAt();
    if (at === null) return null;
    const left = Math.ceil((at - now()) / 1_000);
    return left > 0 && left <= IDLE_WARNING_SECONDS ? left : null;
  });

  constructor() {
    effect(() => {
      const at = this.idleAt();
      if (at !== null && this.current() && now() >= at) void this.expired();
    });
  }

  /** May the signed-in user run this operation ("Mutation.addServer")? */
  can(operation: string): boolean {
    return this.permissions().has(operation);
  }

  /** The signed-in user, asking the API once per page load (and after sign-in/out). */
  whoAmI(): Promise<SignedInUser | null> {
    const known = this.current();
    if (known !== undefined) return Promise.resolve(known);
    const askedAt = Date.now();
    this.pending ??= this.api
      .query(MeDocument)
      .then((data) => data.me)
      .catch((error: unknown) => {
        if (apiError(error).code === 'UNAUTHENTICATED') return null;
        throw error;
      })
      .then((user) => {
        this.current.set(user);
        this.idleMs.set(user?.sessionExpiresAt ? Date.parse(user.sessionExpiresAt) - askedAt : null);
        return user;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Any request moves the idle timeout on: ask who we are again. */
  async stayIn(): Promise<void> {
    this.current.set(undefined);
    await this.whoAmI();
  }

  async setupRequired(): Promise<boolean> {
    return (await this.api.query(SetupRequiredDocument)).setupRequired;
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.api.mutate(LoginDocument, { input: { username, password } });
    await this.stayIn(); // the cookie is set: `me` now says who and what
  }

  async setUp(username: string, password: string): Promise<void> {
    await this.api.mutate(SetupAdminDocument, { input: { username, password } });
    await this.stayIn();
  }

  async signOut(): Promise<void> {
    try {
      await this.api.mutate(LogoutDocument);
    } finally {
      this.current.set(null);
      await this.router.navigateByUrl('/sign-in');
    }
  }

  /** The session ended while the console was open (idle, revoked, expired): sign in, then come back. */
  async expired(): Promise<void> {
    if (!this.current()) return; // nobody was signed in: the page handles the refusal itself
    this.current.set(null);
    await this.router.navigate(['/sign-in'], { queryParams: { returnUrl: this.router.url, reason: 'expired' } });
  }
}
