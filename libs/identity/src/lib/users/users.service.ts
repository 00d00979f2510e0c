import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { ErrorCode, isRole, notFound, Role, TomoException } from '@tomo/shared';
import { UserEntity } from '../entities';
import { PasswordHasher, TIMING_DUMMY_HASH } from '../passwords/password-hasher';
import { checkPassword } from '../passwords/password-policy';
import { ApiTokensService } from '../api-tokens/api-tokens.service';
import { SessionsService } from '../sessions/sessions.service';
import { checkUsername, normalizeUsername } from './username';

export interface NewUser {
  username: string;
  password: string;
  role: Role;
}

export interface UserChanges {
  role?: Role | null;
  disabled?: boolean | null;
  /** An admin's reset: the user's sessions end. */
  password?: string | null;
}

@Injectable()
export class UsersService {
  private readonly hasher = new PasswordHasher();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sessions: SessionsService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  count(): Promise<number> {
    return this.users.count();
  }

  async isSetupDone(): Promise<boolean> {
    return (await this.users.count()) > 0;
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw notFound('User', id);
    return user;
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username: normalizeUsername(username) });
  }

  /**
   * First-run setup: creates the admin while no user exists. The unique `setupSlot` makes two
   * concurrent setups (two tabs, two replicas) end with one admin and one CONFLICT.
   */
  async setupAdmin(input: { username: string; password: string }): Promise<UserEntity> {
    const username = checkUsername(input.username);
    checkPassword(input.password, 'password', username);
    if (await this.isSetupDone()) throw setupDone();
    try {
      return await this.insert(username, input.password, Role.Admin, 1);
    } catch (error) {
      if (error instanceof QueryFailedError) throw setupDone();
      throw error;
    }
  }

  async create(input: NewUser): Promise<UserEntity> {
    const username = checkUsername(input.username);
    if (!isRole(input.role)) throw new TomoException(ErrorCode.BadUserInput, 'role must be ADMIN, OPERATOR or VIEWER');
    checkPassword(input.password, 'password', username);
    if (await this.findByUsername(username)) throw duplicate(username);
    try {
      return await this.insert(username, input.password, input.role, null);
    } catch (error) {
      if (error instanceof QueryFailedError) throw duplicate(username);
      throw error;
    }
  }

  /**
   * Role, disabled flag, or a password reset by an admin (or the CLI). The last active admin stays
   * an active admin. A reset or disabling ends the user's sessions and revokes their API tokens.
   */
  async update(id: string, changes: UserChanges): Promise<UserEntity> {
    const user = await this.get(id);
    const role = changes.role ?? user.role;
    const disabled = changes.disabled ?? user.disabled;
    if (!isRole(role)) throw new TomoException(ErrorCode.BadUserInput, 'role must be ADMIN, OPERATOR or VIEWER');
    if (user.role === Role.Admin && !user.disabled && (role !== Role.Admin || disabled)) {
      const activeAdmins = await this.users.countBy({ role: Role.Admin, disabled: false });
      if (activeAdmins <= 1) {
        throw new TomoException(
          ErrorCode.Conflict,
          `${user.username} is the last active admin: make another admin first`,
        );
      }
    }
    const now = new Date();
    if (changes.password != null) {
      checkPassword(changes.password, 'password', user.username);
      user.passwordHash = await this.hasher.hash(changes.password);
      user.passwordChangedAt = now;
    }
    user.role = role;
    user.disabled = disabled;
    user.updatedAt = now;
    await this.users.save(user);
    // Whoever knew the old password (or still holds a way in) is out: sessions and API tokens end.
    if (changes.password != null || disabled) {
      await this.sessions.revokeAllOfUser(user.id);
      await this.apiTokens.revokeAllOfUser(user.id);
    }
    return user;
  }

  /** The user's own change: needs the current password; the user's other sessions end. */
  async changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
    keepSessionId?: string,
  ): Promise<void> {
    const user = await this.get(userId);
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new TomoException(ErrorCode.BadUserInput, 'currentPassword is not correct');
    }
    checkPassword(newPassword, 'newPassword', user.username);
    if (newPassword === currentPassword) {
      throw new TomoException(ErrorCode.BadUserInput, 'newPassword must differ from currentPassword');
    }
    const now = new Date();
    await this.users.update(user.id, {
      passwordHash: await this.hasher.hash(newPassword),
      passwordChangedAt: now,
      updatedAt: now,
    });
    await this.sessions.revokeAllOfUser(user.id, keepSessionId);
  }

  /**
   * The user these credentials belong to, or null. Unknown users cost a bcrypt comparison
   * too, so the answer takes as long whether the user exists or not.
   */
  async verifyCredentials(username: string, password: string): Promise<UserEntity | null> {
    const user = await this.findByUsername(username);
    const matches = await this.hasher.verify(password, user?.passwordHash ?? TIMING_DUMMY_HASH);
    if (!user || !matches || user.disabled) return null;
    return user;
  }

  async recordLogin(userId: string): Promise<void> {
    await this.users.update(userId, { lastLoginAt: new Date() });
  }

  private async insert(username: string, password: string, role: Role, setupSlot: number | null): Promise<UserEntity> {
    const now = new Date();
    const user = this.users.create({
      id: randomUUID(),
      username,
      passwordHash: await this.hasher.hash(password),
      role,
      disabled: false,
      setupSlot,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
      lastLoginAt: null,
    });
    await this.users.insert(user);
    return user;
  }
}

const setupDone = () =>
  new TomoException(ErrorCode.Conflict, 'Setup is already done: an admin exists. Sign in instead.');
const duplicate = (username: string) =>
  new TomoException(ErrorCode.Conflict, `A user named ${username} already exists`);
