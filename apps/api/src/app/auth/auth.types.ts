import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { ApiTokenEntity, AuditLogEntity, SessionEntity, UserEntity } from '@tomo/identity';
import { Role } from '@tomo/shared';

/**
 * The GraphQL enum names the values as the contract does (ADMIN, OPERATOR, VIEWER), not as the
 * TypeScript members (Admin…); the values resolvers see are the same Role strings.
 */
export const RoleEnum = { ADMIN: Role.Admin, OPERATOR: Role.Operator, VIEWER: Role.Viewer } as const;

registerEnumType(RoleEnum, {
  name: 'Role',
  description:
    'ADMIN: everything (users, settings, audit log). OPERATOR: servers, deployments, jobs. VIEWER: read only.',
});

@ObjectType('User')
export class UserModel {
  @Field(() => ID) id!: string;
  @Field() username!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field() disabled!: boolean;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastLoginAt!: Date | null;

  static of(user: UserEntity): UserModel {
    return Object.assign(new UserModel(), {
      id: user.id,
      username: user.username,
      role: user.role,
      disabled: user.disabled,
      createdAt: user.createdAt,
      lastLoginAt: user.lastLoginAt,
    });
  }
}

@ObjectType('AuthPayload', { description: 'A new session.' })
export class AuthPayloadModel {
  @Field({
    description:
      'The session JWT: send it as "Authorization: Bearer <token>". The console also gets it as an httpOnly cookie.',
  })
  token!: string;
  @Field() expiresAt!: Date;
  @Field(() => UserModel) user!: UserModel;
}

@ObjectType('ApiToken', { description: 'An API token, without its secret.' })
export class ApiTokenModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field({ description: 'The first characters of the token, to tell tokens apart.' }) prefix!: string;
  @Field() owner!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;

  static of(token: ApiTokenEntity): ApiTokenModel {
    return Object.assign(new ApiTokenModel(), {
      id: token.id,
      name: token.name,
      role: token.role,
      prefix: token.prefix,
      owner: token.user?.username ?? '',
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
      lastUsedAt: token.lastUsedAt,
      revokedAt: token.revokedAt,
    });
  }
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenModel {
  @Field({ description: 'The secret. Shown this once: only its hash is stored.' }) token!: string;
  @Field(() => ApiTokenModel) apiToken!: ApiTokenModel;
}

@ObjectType('Session')
export class SessionModel {
  @Field(() => ID) id!: string;
  @Field() username!: string;
  @Field() createdAt!: Date;
  @Field() lastActivityAt!: Date;
  @Field() expiresAt!: Date;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field({ description: 'Whether this is the session making the request.' }) current!: boolean;

  static of(session: SessionEntity, currentSessionId: string | undefined): SessionModel {
    return Object.assign(new SessionModel(), {
      id: session.id,
      username: session.user?.username ?? '',
      createdAt: session.createdAt,
      lastActivityAt: session.lastActivityAt,
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
      current: session.id === currentSessionId,
    });
  }
}

@ObjectType('AuditEntry')
export class AuditEntryModel {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field({ description: 'user, api-token, anonymous, cli or system' }) actorType!: string;
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field(() => String, { nullable: true }) actorName!: string | null;
  @Field() action!: string;
  @Field(() => String, { nullable: true }) targetType!: string | null;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field({ description: 'SUCCESS or FAILURE' }) outcome!: string;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true, description: 'The arguments as JSON, without secret fields.' })
  details!: string | null;

  static of(entry: AuditLogEntity): AuditEntryModel {
    return Object.assign(new AuditEntryModel(), {
      ...entry,
      id: String(entry.id),
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }
}

@ObjectType('AuditLogPageInfo')
export class AuditLogPageInfoModel {
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field() hasNextPage!: boolean;
}

@ObjectType('AuditLogConnection')
export class AuditLogConnectionModel {
  @Field(() => [AuditEntryModel]) nodes!: AuditEntryModel[];
  @Field(() => AuditLogPageInfoModel) pageInfo!: AuditLogPageInfoModel;
}

@InputType()
export class SetupAdminInput {
  @Field() username!: string;
  @Field() password!: string;
}

@InputType()
export class LoginInput {
  @Field() username!: string;
  @Field() password!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field() currentPassword!: string;
  @Field() newPassword!: string;
}

@InputType()
export class CreateApiTokenInput {
  @Field() name!: string;
  @Field(() => RoleEnum, { nullable: true, description: 'Defaults to your role; never more than it.' })
  role?: Role | null;
  @Field(() => Int, { nullable: true, description: '1-3650; omitted: the token does not expire.' })
  expiresInDays?: number | null;
}

@InputType()
export class CreateUserInput {
  @Field() username!: string;
  @Field() password!: string;
  @Field(() => RoleEnum) role!: Role;
}

@InputType()
export class UpdateUserInput {
  @Field(() => RoleEnum, { nullable: true }) role?: Role | null;
  @Field(() => Boolean, { nullable: true, description: 'A disabled user cannot sign in; their sessions end.' })
  disabled?: boolean | null;
  @Field(() => String, { nullable: true, description: "An admin's password reset; the user's sessions end." })
  password?: string | null;
}
