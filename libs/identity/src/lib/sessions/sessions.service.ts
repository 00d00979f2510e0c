import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Not, type Repository } from 'typeorm';
import { ErrorCode, notFound, TomoException } from '@tomo/shared';
import { SessionEntity, type UserEntity } from '../entities';

/** Activity is written at most this often per session, so reads do not all become writes. */
export const ACTIVITY_WRITE_INTERVAL_MS = 60_000;

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

@Injectable()
export class SessionsService {
  constructor(@InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>) {}

  async create(user: UserEntity, client: ClientInfo, lifetimeSeconds: number): Promise<SessionEntity> {
    const now = new Date();
    const session = this.sessions.create({
      id: randomUUID(),
      userId: user.id,
      createdAt: now,
      lastActivityAt: now,
      expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000),
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
      revokedAt: null,
    });
    await this.sessions.insert(session);
    session.user = user;
    return session;
  }

  /**
   * The session with its user if it is live: not revoked, not expired, used within the idle
   * timeout, and its user not disabled. Records the activity (throttled).
   */
  async touchLive(id: string, idleTimeoutSeconds: number): Promise<SessionEntity | null> {
    const session = await this.sessions.findOne({ where: { id }, relations: { user: true } });
    const now = Date.now();
    if (
      !session?.user ||
      session.revokedAt ||
      session.user.disabled ||
      session.expiresAt.getTime() <= now ||
      session.lastActivityAt.getTime() + idleTimeoutSeconds * 1000 <= now
    ) {
      return null;
    }
    const interval = Math.min(ACTIVITY_WRITE_INTERVAL_MS, (idleTimeoutSeconds * 1000) / 4);
    if (now - session.lastActivityAt.getTime() >= interval) {
      session.lastActivityAt = new Date(now);
      await this.sessions.update(session.id, { lastActivityAt: session.lastActivityAt });
    }
    return session;
  }

  /** Sessions that have not been revoked or expired, newest first; all users' when userId is omitted. */
  list(userId?: string): Promise<SessionEntity[]> {
    return this.sessions.find({
      where: { ...(userId && { userId }), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      relations: { user: true },
      order: { createdAt: 'DESC' },
    });
  }

  /** Ends a session at once. `ownerId` limits it to that user's sessions (others look absent). */
  async revoke(id: string, ownerId?: string): Promise<SessionEntity> {
    const session = await this.sessions.findOneBy({ id, ...(ownerId && { userId: ownerId }) });
    if (!session) throw notFound('Session', id);
    if (session.revokedAt) throw new TomoException(ErrorCode.Conflict, `Session ${id} has already ended`);
    session.revokedAt = new Date();
    await this.sessions.update(session.id, { revokedAt: session.revokedAt });
    return session;
  }

  /** Deletes the sessions that ended (expired or were revoked) before `before`; returns how many. */
  async deleteEndedBefore(before: Date): Promise<number> {
    const expired = await this.sessions.delete({ expiresAt: LessThan(before) });
    const revoked = await this.sessions.delete({ revokedAt: LessThan(before) });
    return (expired.affected ?? 0) + (revoked.affected ?? 0);
  }

  async revokeAllOfUser(userId: string, exceptId?: string): Promise<void> {
    await this.sessions.update(
      { userId, revokedAt: IsNull(), ...(exceptId && { id: Not(exceptId) }) },
      { revokedAt: new Date() },
    );
  }
}
