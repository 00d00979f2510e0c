import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationChannelKind, NotificationEvent, SmtpSecurity } from '@tomo/shared';

/** Where notifications go. Secrets (webhook signing secret, SMTP password) are SecretBox ciphertexts. */
@Entity('notification_channel')
export class NotificationChannelEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: NotificationChannelKind;

  /** The events this channel wants, as a JSON array. */
  @Column({ type: 'simple-json' })
  events!: NotificationEvent[];

  @Column({ type: Boolean, default: true })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  @Column({ type: 'text', nullable: true })
  secretCiphertext!: string | null;

  /** Recipients, comma-separated. */
  @Column({ type: 'text', nullable: true })
  emailTo!: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  emailFrom!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  smtpHost!: string | null;

  @Column({ type: 'integer', nullable: true })
  smtpPort!: number | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  smtpSecurity!: SmtpSecurity | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  smtpUsername!: string | null;

  @Column({ type: 'text', nullable: true })
  smtpPasswordCiphertext!: string | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
