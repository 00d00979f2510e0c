import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { NotificationEvent, Role } from '@tomo/shared';

/** One thing that happened, shown in-app to every user whose role may see it. */
@Entity('notification')
@Index('IDX_notification_created', ['createdAt', 'id'])
export class NotificationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  event!: NotificationEvent;

  @Column({ type: 'text' })
  message!: string;

  /** The weakest role that sees it in-app. */
  @Column({ type: 'varchar', length: 16 })
  minRole!: Role;

  @Column({ type: 'varchar', length: 36, nullable: true })
  jobId!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  serverId!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  deploymentId!: string | null;

  /** Names for the message body of webhooks and emails (server, app, step…), never secrets. */
  @Column({ type: 'simple-json' })
  details!: Record<string, string>;

  @Column({ type: Date })
  createdAt!: Date;
}

/** A user has read a notification. */
@Entity('notification_read')
export class NotificationReadEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  notificationId!: string;

  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: Date })
  readAt!: Date;
}
