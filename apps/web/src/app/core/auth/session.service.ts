import { computed, inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Role, roleSatisfies } from '@tomo/shared';
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
 * Who is signed in. The session itself is the API's httpOnly cookie: the console never holds a
 * token, it only asks `me` and remembers the answer.
 */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly api = inject(Api);
  private readonly router = inject(Router);
  /** undefined: not asked yet; null: nobody is signed in. */
  private readonly current = signal<SignedInUser | null | undefined>(undefined);
  private pending: Promise<SignedInUser | null> | undefined;

  /** When the session idles out unless used (ms since the epoch), as the API last said. */
  private readonly expiresAt = signal<number | null>(null);

  readonly user = this.current.asReadonly();
  /** Seconds left before the idle sign-out, while it is near; null otherwise. */
  readonly idleWarning = computed(() => {
    const at = this.expiresAt();
    if (at === null) return null;
    const left = Math.ceil((at - now()) / 1_000);
    return left > 0 && left <= IDLE_WARNING_SECONDS ? left : null;
  });
  readonly role = computed(() => this.current()?.role as Role | undefined);

  /** May the signed-in user change servers, apps, deployments and jobs (OPERATOR and up)? */
  readonly canOperate = computed(() => this.allows(Role.Operator));
  /** Admin-only actions (accepting a new host key, system settings). */
  readonly isAdmin = computed(() => this.allows(Role.Admin));

  private allows(required: Role): boolean {
    const role = this.role();
    return role !== undefined && roleSatisfies(role, required);
  }

  /** The signed-in user, asking the API once per page load (and after sign-in/out). */
  whoAmI(): Promise<SignedInUser | null> {
    const known = this.current();
    if (known !== undefined) return Promise.resolve(known);
    this.pending ??= this.api
      .query(MeDocument)
      .then((data) => data.me)
      .catch((error: unknown) => {
        if (apiError(error).code === 'UNAUTHENTICATED') return null;
        throw error;
      })
      .then((user) => {
        this.current.set(user);
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
    const data = await this.api.mutate(LoginDocument, { input: { username, password } });
    this.current.set(data.login.user);
  }

  async setUp(username: string, password: string): Promise<void> {
    const data = await this.api.mutate(SetupAdminDocument, { input: { username, password } });
    this.current.set(data.setupAdmin.user);
  }

  async signOut(): Promise<void> {
    try {
      await this.api.mutate(LogoutDocument);
    } finally {
      this.current.set(null);
      await this.router.navigateByUrl('/sign-in');
    }
  }

  /** The API said UNAUTHENTICATED mid-session (expired, revoked): sign in again, then come back. */
  async expired(): Promise<void> {
    if (!this.current()) return; // nobody was signed in: the page handles the refusal itself
    this.current.set(null);
    await this.router.navigate(['/sign-in'], { queryParams: { returnUrl: this.router.url, reason: 'expired' } });
  }
}
