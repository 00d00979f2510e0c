import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type ApiConfig, TOMO_CONFIG } from '@tomo/config';
import { SettingsService } from '@tomo/settings';
import { ErrorCode, TomoException, weakerRole } from '@tomo/shared';
import {
  ApiTokensService,
  API_TOKEN_PREFIX,
  type CreatedApiToken,
  type NewApiToken,
} from '../api-tokens/api-tokens.service';
import type { SessionEntity, UserEntity } from '../entities';
import { type ClientInfo, SessionsService } from '../sessions/sessions.service';
import { normalizeUsername } from '../users/username';
import { UsersService } from '../users/users.service';
import { AttemptLimiter } from './attempt-limiter';
import type { Principal } from './principal';

export interface Credentials {
  username: string;
  password: string;
}

export interface SignedIn {
  token: string;
  expiresAt: Date;
  user: UserEntity;
  session: SessionEntity;
}

interface SessionClaims {
  sub: string;
  sid: string;
}

/** The audience of session JWTs; a token for anything else is refused. */
const SESSION_AUDIENCE = 'tomo-session';
/** Attempts per IP (and per user for tokens) within the lock-out window. */
const SETUP_ATTEMPTS_PER_IP = 10;
const TOKEN_CREATIONS_PER_USER = 20;
const TOKEN_CREATIONS_PER_IP = 40;
/** An IP is locked after this many times the per-username failures (it may serve several people). */
const IP_FAILURE_FACTOR = 4;

const tooMany = () =>
  new TomoException(ErrorCode.RateLimited, 'Too many attempts. Wait a few minutes before trying again.');
/** A login lock-out says when it ends, so the sign-in page can tell the user how long to wait. */
const lockedOut = (retryAfterSeconds: number) => {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return new TomoException(
    ErrorCode.RateLimited,
    `Too many attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`,
    { retryAfterSeconds },
  );
};
/** One message for an unknown user, a wrong password and a disabled account. */
const badCredentials = () => new TomoException(ErrorCode.Unauthenticated, 'Invalid username or password');

/** Sign-in, first-run setup, and turning a bearer credential into a {@link Principal}. */
@Injectable()
export class AuthenticationService {
  constructor(
    @Inject(TOMO_CONFIG) private readonly config: ApiConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly apiTokens: ApiTokensService,
    private readonly limiter: AttemptLimiter,
    private readonly jwt: JwtService,
    private readonly settings: SettingsService,
  ) {}

  async setupAdmin(input: Credentials, client: ClientInfo): Promise<SignedIn> {
    const { lockoutSeconds } = this.config.auth;
    if (!(await this.limiter.consume(`setup-ip:${client.ip ?? ''}`, SETUP_ATTEMPTS_PER_IP, lockoutSeconds)))
      throw tooMany();
    const user = await this.users.setupAdmin(input);
    return this.signIn(user, client);
  }

  /**
   * Checks the password. Each attempt is counted per username and per IP in Redis (an atomic
   * INCR) *before* the password is hashed, so parallel requests cannot all slip under the limit;
   * at the limit attempts are refused with RATE_LIMITED until the lock-out ends, whether the user
   * exists or not. A success clears the username's count and gives the IP its attempt back.
   */
  async login(input: Credentials, client: ClientInfo): Promise<SignedIn> {
    const { maxLoginFailures, lockoutSeconds } = this.config.auth;
    const userKey = `login-user:${normalizeUsername(input.username)}`;
    const ipKey = `login-ip:${client.ip ?? ''}`;
    const ipLimit = maxLoginFailures * IP_FAILURE_FACTOR;
    for (const [key, limit] of [
      [ipKey, ipLimit],
      [userKey, maxLoginFailures],
    ] as const) {
      if (!(await this.limiter.consume(key, limit, lockoutSeconds)))
        throw lockedOut(await this.limiter.secondsLeft(key));
    }
    const user = await this.users.verifyCredentials(input.username, input.password);
    if (!user) throw badCredentials();
    await this.limiter.reset(userKey);
    await this.limiter.refund(ipKey);
    return this.signIn(user, client);
  }

  async logout(principal: Principal): Promise<boolean> {
    if (!principal.sessionId) return false;
    await this.sessions.revoke(principal.sessionId);
    return true;
  }

  async createApiToken(principal: Principal, input: NewApiToken, client: ClientInfo): Promise<CreatedApiToken> {
    const { lockoutSeconds } = this.config.auth;
    const allowed =
      (await this.limiter.consume(`token-user:${principal.userId}`, TOKEN_CREATIONS_PER_USER, lockoutSeconds)) &&
      (await this.limiter.consume(`token-ip:${client.ip ?? ''}`, TOKEN_CREATIONS_PER_IP, lockoutSeconds));
    if (!allowed) throw tooMany();
    const owner = await this.users.get(principal.userId);
    // A token made with a token cannot be stronger than the token that made it.
    const ceiling = principal.kind === 'api-token' ? { ...owner, role: principal.role } : owner;
    // ...nor outlive it, and it is revoked with it.
    const parent = principal.apiTokenId ? await this.apiTokens.get(principal.apiTokenId) : null;
    return this.apiTokens.create(ceiling, input, parent);
  }

  /** The caller behind a bearer credential (session JWT or API token), or null if it is not (or no longer) valid. */
  async authenticate(credential: string): Promise<Principal | null> {
    if (credential.startsWith(API_TOKEN_PREFIX)) {
      const token = await this.apiTokens.touchLive(credential);
      if (!token?.user) return null;
      return {
        kind: 'api-token',
        userId: token.user.id,
        username: token.user.username,
        role: weakerRole(token.role, token.user.role),
        userRole: token.user.role,
        apiTokenId: token.id,
        apiTokenName: token.name,
      };
    }
    let claims: SessionClaims;
    try {
      claims = await this.jwt.verifyAsync<SessionClaims & object>(credential, { audience: SESSION_AUDIENCE });
    } catch {
      return null;
    }
    if (typeof claims.sid !== 'string') return null;
    const idleTimeoutSeconds = await this.settings.value('sessionIdleTimeoutSeconds');
    const session = await this.sessions.touchLive(claims.sid, idleTimeoutSeconds);
    if (!session?.user || session.userId !== claims.sub) return null;
    return {
      kind: 'session',
      userId: session.user.id,
      username: session.user.username,
      role: session.user.role,
      userRole: session.user.role,
      sessionId: session.id,
      // From the activity as recorded (written at most every ACTIVITY_WRITE_INTERVAL_MS): what touchLive enforces.
      sessionExpiresAt: new Date(
        Math.min(session.expiresAt.getTime(), session.lastActivityAt.getTime() + idleTimeoutSeconds * 1000),
      ),
    };
  }

  private async signIn(user: UserEntity, client: ClientInfo): Promise<SignedIn> {
    const lifetime = await this.settings.value('jwtExpiresInSeconds');
    const session = await this.sessions.create(user, client, lifetime);
    await this.users.recordLogin(user.id);
    const token = await this.jwt.signAsync({ sub: user.id, sid: session.id } satisfies SessionClaims, {
      audience: SESSION_AUDIENCE,
      expiresIn: lifetime,
    });
    return { token, expiresAt: session.expiresAt, user, session };
  }
}
