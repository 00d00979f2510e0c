import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Role } from '@tomo/shared';
import { UserEntity } from './user.entity';

/** A token for GraphQL and MCP clients. Only the SHA-256 of the secret is stored. */
@Entity('api_token')
@Index('UQ_api_token_tokenHash', ['tokenHash'], { unique: true })
@Index('IDX_api_token_userId', ['userId'])
@Index('IDX_api_token_parentTokenId', ['parentTokenId'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Never more than the owner's role; the weaker of the two applies at each request. */
  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** Hex SHA-256 of the whole token. */
  @Column({ type: 'varchar', length: 64 })
  tokenHash!: string;

  /** The first characters of the token (`tomo_AbCd`), so people can tell tokens apart. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date, nullable: true })
  expiresAt!: Date | null;

  @Column({ type: Date, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;

  /** The token this one was made with (null: made in a signed-in session or by the CLI); revoked with it. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  parentTokenId!: string | null;
}
