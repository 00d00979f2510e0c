import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, type Repository } from 'typeorm';
import { EncryptedColumnRegistry, SecretBox } from '@tomo/secrets';
import {
  ErrorCode,
  JobKind,
  notFound,
  NotificationChannelKind,
  type NotificationEvent,
  type Role,
  SmtpSecurity,
  TomoException,
} from '@tomo/shared';
import { type JobRow, JobsService } from '@tomo/workflows';
import { NotificationChannelEntity, NotificationEntity, NotificationReadEntity } from './entities';
import { NOTIFICATION_AUDIENCE, visibleMinRoles } from './notification-audience';
import {
  assertNoForeignFields,
  type NotificationChannelInput,
  type NotificationChannelPatch,
  validateChannelName,
  validateEvents,
  validateRecipients,
  validateSender,
  validateSmtpHost,
  validateSmtpPort,
  validateWebhookUrl,
} from './notification-channel-input';
import { NotificationStream, type NotificationView } from './notification-stream';

export type { NotificationView } from './notification-stream';

/** What something that happened says; `details` holds names for messages (server, app, step), never secrets. */
export interface NotificationInput {
  message: string;
  jobId?: string | null;
  serverId?: string | null;
  deploymentId?: string | null;
  details?: Record<string, string>;
}

export interface NotificationPage {
  items: NotificationView[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const MAX_PAGE = 100;
const MAX_MESSAGE = 2_000;

/** The position of a notification in the newest-first list (`after`). */
export const encodeNotificationCursor = (n: NotificationEntity) =>
  Buffer.from(`${n.createdAt.getTime()}:${n.id}`).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  if (!/^\d+$/.test(ms ?? '') || !id)
    throw new TomoException(ErrorCode.BadUserInput, 'after is not a cursor from this list');
  return { at: new Date(Number(ms)), id };
}

/**
 * Notifications, one service behind GraphQL, MCP and the worker: channels (admin), the events
 * that happened (stored, streamed in-app, delivered to the channels that want them as
 * `notification.deliver` jobs), and each user's read marks.
 */
@Injectable()
export class NotificationsService implements OnModuleInit {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectRepository(NotificationChannelEntity)
    private readonly channelsRepo: Repository<NotificationChannelEntity>,
    @InjectRepository(NotificationEntity)
    private readonly notificationsRepo: Repository<NotificationEntity>,
    @InjectRepository(NotificationReadEntity)
    private readonly readsRepo: Repository<NotificationReadEntity>,
    private readonly box: SecretBox,
    private readonly encryptedColumns: EncryptedColumnRegistry,
    private readonly jobs: JobsService,
    private readonly stream: NotificationStream,
  ) {}

  onModuleInit(): void {
    this.encryptedColumns.register({
      table: 'notification_channel',
      primaryKey: 'id',
      columns: ['secretCiphertext', 'smtpPasswordCiphertext'],
    });
  }

  channels(): Promise<NotificationChannelEntity[]> {
    return this.channelsRepo.find({ order: { name: 'ASC' } });
  }

  async channel(id: string): Promise<NotificationChannelEntity> {
    const channel = await this.channelsRepo.findOneBy({ id });
    if (!channel) throw notFound('Notification channel', id);
    return channel;
  }

  /** A webhook gets a new signing secret, returned here once and stored encrypted. */
  async addChannel(
    input: NotificationChannelInput,
  ): Promise<{ channel: NotificationChannelEntity; secret: string | null }> {
    if (!Object.values(NotificationChannelKind).includes(input.kind))
      throw new TomoException(ErrorCode.BadUserInput, 'kind must be WEBHOOK or EMAIL');
    assertNoForeignFields(input.kind, input);
    const now = new Date();
    const secret =
      input.kind === NotificationChannelKind.Webhook ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    const channel: NotificationChannelEntity = {
      id: randomUUID(),
      name: validateChannelName(input.name),
      kind: input.kind,
      events: validateEvents(input.events),
      enabled: input.enabled ?? true,
      url: null,
      secretCiphertext: secret === null ? null : this.box.encrypt(secret),
      emailTo: null,
      emailFrom: null,
      smtpHost: null,
      smtpPort: null,
      smtpSecurity: null,
      smtpUsername: null,
      smtpPasswordCiphertext: null,
      createdAt: now,
      updatedAt: now,
    };
    this.applyTransport(channel, input);
    await this.assertNameFree(channel.name, null);
    await this.channelsRepo.insert(channel);
    return { channel, secret };
  }

  async updateChannel(id: string, patch: NotificationChannelPatch): Promise<NotificationChannelEntity> {
    const channel = await this.channel(id);
    assertNoForeignFields(channel.kind, patch);
    if (patch.name !== undefined && patch.name !== null) channel.name = validateChannelName(patch.name);
    if (patch.events !== undefined && patch.events !== null) channel.events = validateEvents(patch.events);
    if (patch.enabled !== undefined && patch.enabled !== null) channel.enabled = patch.enabled;
    this.applyTransport(channel, patch);
    await this.assertNameFree(channel.name, id);
    channel.updatedAt = new Date();
    await this.channelsRepo.save(channel);
    return channel;
  }

  async removeChannel(id: string): Promise<NotificationChannelEntity> {
    const channel = await this.channel(id);
    await this.channelsRepo.delete({ id });
    return channel;
  }

  /** Sends a test message through the channel as a job; the job's outcome is the test's. */
  async testChannel(id: string, requestedBy: string): Promise<JobRow> {
    await this.channel(id);
    return this.jobs.create(JobKind.NotificationDeliver, { channelId: id, notificationId: null }, { requestedBy });
  }

  /**
   * Records that something happened: stored, streamed to in-app subscribers, and one delivery
   * job per enabled channel that wants the event (a job per channel, so one slow or broken
   * receiver never holds up another; idempotency keys make a repeated call harmless).
   */
  async emit(event: NotificationEvent, input: NotificationInput): Promise<NotificationEntity> {
    const notification: NotificationEntity = {
      id: randomUUID(),
      event,
      message: input.message.slice(0, MAX_MESSAGE),
      minRole: NOTIFICATION_AUDIENCE[event],
      jobId: input.jobId ?? null,
      serverId: input.serverId ?? null,
      deploymentId: input.deploymentId ?? null,
      details: input.details ?? {},
      createdAt: new Date(),
    };
    await this.notificationsRepo.insert(notification);
    await this.stream
      .publish(notification)
      .catch((error: unknown) =>
        this.logger.warn(`Could not publish notification ${notification.id}: ${String(error)}`),
      );
    const channels = await this.channelsRepo.findBy({ enabled: true });
    for (const channel of channels.filter((c) => c.events.includes(event))) {
      await this.jobs.create(
        JobKind.NotificationDeliver,
        { channelId: channel.id, notificationId: notification.id },
        {
          requestedBy: null,
          idempotencyKey: `notify:${notification.id}:${channel.id}`,
        },
      );
    }
    return notification;
  }

  find(id: string): Promise<NotificationEntity | null> {
    return this.notificationsRepo.findOneBy({ id });
  }

  /** Newest first, those the caller's role may see, with the caller's read marks. */
  async list(
    caller: { userId: string; role: Role },
    first: number,
    after: string | null,
    unreadOnly: boolean,
  ): Promise<NotificationPage> {
    const take = Math.min(Math.max(first, 1), MAX_PAGE);
    const query = this.notificationsRepo
      .createQueryBuilder('n')
      .leftJoin(NotificationReadEntity, 'r', 'r.notificationId = n.id AND r.userId = :userId', {
        userId: caller.userId,
      })
      .addSelect('r.readAt', 'readAt')
      .where('n.minRole IN (:...roles)', {
        roles: visibleMinRoles(caller.role),
      })
      .orderBy('n.createdAt', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .limit(take + 1);
    if (unreadOnly) query.andWhere('r.notificationId IS NULL');
    if (after) {
      const cursor = decodeCursor(after);
      query.andWhere(
        new Brackets((q) =>
          q
            .where('n.createdAt < :at', { at: cursor.at })
            .orWhere(new Brackets((same) => same.where('n.createdAt = :at').andWhere('n.id < :id', { id: cursor.id }))),
        ),
      );
    }
    const { entities, raw } = await query.getRawAndEntities<{
      readAt: unknown;
    }>();
    const rows = entities.slice(0, take);
    const items = rows.map((n, i) => ({
      ...n,
      read: raw[i]?.readAt !== null && raw[i]?.readAt !== undefined,
    }));
    return {
      items,
      hasNextPage: entities.length > take,
      endCursor: rows.length > 0 ? encodeNotificationCursor(rows[rows.length - 1]) : null,
    };
  }

  /** Marks notifications the caller may see as read by the caller; returns how many were unread. */
  async markRead(caller: { userId: string; role: Role }, ids: readonly string[]): Promise<number> {
    if (ids.length > MAX_PAGE) throw new TomoException(ErrorCode.BadUserInput, `ids must hold at most ${MAX_PAGE} ids`);
    if (ids.length === 0) return 0;
    const visible = await this.notificationsRepo.find({
      select: { id: true },
      where: { id: In([...ids]), minRole: In(visibleMinRoles(caller.role)) },
    });
    const unknown = ids.find((id) => !visible.some((n) => n.id === id));
    if (unknown) throw notFound('Notification', unknown);
    const already = await this.readsRepo.findBy({
      userId: caller.userId,
      notificationId: In([...ids]),
    });
    const fresh = visible.filter((n) => !already.some((r) => r.notificationId === n.id));
    if (fresh.length > 0) {
      const readAt = new Date();
      await this.readsRepo
        .createQueryBuilder()
        .insert()
        .values(
          fresh.map((n) => ({
            notificationId: n.id,
            userId: caller.userId,
            readAt,
          })),
        )
        .orIgnore()
        .execute();
    }
    return fresh.length;
  }

  /** `notificationAdded` for one caller: new notifications their role may see (unread, being new). */
  added(role: Role): Promise<AsyncIterableIterator<NotificationView>> {
    return this.stream.added(role);
  }

  /** Decrypted secrets for the delivery step (worker only): never returned by an API. */
  revealSecrets(channel: NotificationChannelEntity): {
    secret: string | null;
    smtpPassword: string | null;
  } {
    return {
      secret: channel.secretCiphertext ? this.box.decrypt(channel.secretCiphertext) : null,
      smtpPassword: channel.smtpPasswordCiphertext ? this.box.decrypt(channel.smtpPasswordCiphertext) : null,
    };
  }

  private applyTransport(channel: NotificationChannelEntity, input: NotificationChannelPatch): void {
    if (channel.kind === NotificationChannelKind.Webhook) {
      if (input.url !== undefined || channel.url === null) channel.url = validateWebhookUrl(input.url ?? channel.url);
      return;
    }
    const security = input.smtpSecurity ?? channel.smtpSecurity ?? SmtpSecurity.StartTls;
    if (!Object.values(SmtpSecurity).includes(security))
      throw new TomoException(ErrorCode.BadUserInput, 'smtpSecurity must be TLS, STARTTLS or NONE');
    channel.smtpSecurity = security;
    channel.emailTo = validateRecipients(input.emailTo ?? channel.emailTo);
    channel.emailFrom = validateSender(input.emailFrom ?? channel.emailFrom);
    channel.smtpHost = validateSmtpHost(input.smtpHost ?? channel.smtpHost);
    channel.smtpPort = validateSmtpPort(input.smtpPort ?? channel.smtpPort, security);
    if (input.smtpUsername !== undefined) channel.smtpUsername = input.smtpUsername?.trim() || null;
    if (input.smtpPassword !== undefined)
      channel.smtpPasswordCiphertext = input.smtpPassword ? this.box.encrypt(input.smtpPassword) : null;
    if (channel.smtpPasswordCiphertext && !channel.smtpUsername)
      throw new TomoException(ErrorCode.BadUserInput, 'smtpUsername is required with smtpPassword');
  }

  private async assertNameFree(name: string, exceptId: string | null): Promise<void> {
    const other = await this.channelsRepo.findOneBy({ name });
    if (other && other.id !== exceptId)
      throw new TomoException(ErrorCode.Conflict, `A notification channel named "${name}" already exists`);
  }
}
