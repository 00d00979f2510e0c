import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type Repository } from 'typeorm';
import { ErrorCode, isRole, notFound, type Role, roleSatisfies, TomoException } from '@tomo/shared';
import { ApiTokenEntity, type UserEntity } from '../entities';
import { ACTIVITY_WRITE_INTERVAL_MS } from '../sessions/sessions.service';

export const API_TOKEN_PREFIX = 'tomo_';
export const API_TOKEN_MAX_DAYS = 3_650;
const DAY_MS = 86_400_000;

export interface NewApiToken {
  name: string;
  /** Defaults to the owner's role; never more than it. */
  role?: Role | null;
  /** Null or omitted: the token does not expire (or expires with its parent). */
  expiresInDays?: number | null;
}

/** The API token a new token is made with: the new one expires no later and is revoked with it. */
export interface ParentApiToken {
  id: string;
  expiresAt: Date | null;
}

export interface CreatedApiToken {
  /** The secret, shown once: only its hash is stored. */
  token: string;
  apiToken: ApiTokenEntity;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

@Injectable()
export class ApiTokensService {
  constructor(@InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>) {}

  async create(owner: UserEntity, input: NewApiToken, parent: ParentApiToken | null = null): Promise<CreatedApiToken> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) {
      throw new TomoException(ErrorCode.BadUserInput, 'name must be 1-100 characters');
    }
    const role = input.role ?? owner.role;
    if (!isRole(role)) throw new TomoException(ErrorCode.BadUserInput, 'role must be ADMIN, OPERATOR or VIEWER');
    if (!roleSatisfies(owner.role, role)) {
      throw new TomoException(ErrorCode.Forbidden, `role ${role} is more than your own role (${owner.role})`);
    }
    const days = input.expiresInDays;
    if (days != null && (!Number.isInteger(days) || days < 1 || days > API_TOKEN_MAX_DAYS)) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `expiresInDays must be a whole number from 1 to ${API_TOKEN_MAX_DAYS}`,
      );
    }
    // 32 random bytes: 256 bits, so a plain SHA-256 is enough to store it (no stretching needed).
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = new Date();
    const requested = days == null ? null : new Date(now.getTime() + days * DAY_MS);
    const expiresAt = parent?.expiresAt && (!requested || parent.expiresAt < requested) ? parent.expiresAt : requested;
    const apiToken = this.tokens.create({
      id: randomUUID(),
      userId: owner.id,
      name,
      role,
      tokenHash: hashApiToken(token),
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 4),
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      parentTokenId: parent?.id ?? null,
    });
    await this.tokens.insert(apiToken);
    apiToken.user = owner;
    return { token, apiToken };
  }

  /** The live token with its owner, or null (unknown, revoked, expired, or its owner disabled). Records the use (throttled). */
  async touchLive(token: string): Promise<ApiTokenEntity | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const found = await this.tokens.findOne({ where: { tokenHash: hashApiToken(token) }, relations: { user: true } });
    const now = Date.now();
    if (
      !found?.user ||
      found.revokedAt ||
      found.user.disabled ||
      (found.expiresAt && found.expiresAt.getTime() <= now)
    ) {
      return null;
    }
    if (!found.lastUsedAt || now - found.lastUsedAt.getTime() >= ACTIVITY_WRITE_INTERVAL_MS) {
      found.lastUsedAt = new Date(now);
      await this.tokens.update(found.id, { lastUsedAt: found.lastUsedAt });
    }
    return found;
  }

  async get(id: string): Promise<ApiTokenEntity> {
    const token = await this.tokens.findOneBy({ id });
    if (!token) throw notFound('API token', id);
    return token;
  }

  /** Tokens without their secret, newest first; all users' when userId is omitted. */
  list(userId?: string): Promise<ApiTokenEntity[]> {
    return this.tokens.find({
      where: userId ? { userId } : {},
      relations: { user: true },
      order: { createdAt: 'DESC' },
    });
  }

  /** Revokes at once. `ownerId` limits it to that user's tokens (others look absent). */
  async revoke(id: string, ownerId?: string): Promise<ApiTokenEntity> {
    const token = await this.tokens.findOne({
      where: { id, ...(ownerId && { userId: ownerId }) },
      relations: { user: true },
    });
    if (!token) throw notFound('API token', id);
    token.revokedAt ??= new Date();
    await this.revokeWithDescendants([token.id], token.revokedAt);
    return token;
  }

  /** A password reset or a disabled account: every token of the user ends. */
  async revokeAllOfUser(userId: string): Promise<void> {
    await this.tokens.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  /** Revokes the tokens and, generation by generation, every token made with them. */
  private async revokeWithDescendants(ids: string[], at: Date): Promise<void> {
    let generation = ids;
    const seen = new Set<string>();
    while (generation.length > 0) {
      generation.forEach((id) => seen.add(id));
      await this.tokens.update({ id: In(generation), revokedAt: IsNull() }, { revokedAt: at });
      const children = await this.tokens.find({ where: { parentTokenId: In(generation) }, select: { id: true } });
      generation = children.map((child) => child.id).filter((id) => !seen.has(id));
    }
  }
}
