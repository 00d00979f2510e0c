import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NotificationChannelKind, NotificationEvent, SmtpSecurity } from '@tomo/shared';
import { contractEnum } from '../graphql/contract-enum';

export const NotificationEventEnum = contractEnum(NotificationEvent);
export const NotificationChannelKindEnum = contractEnum(NotificationChannelKind);
export const SmtpSecurityEnum = contractEnum(SmtpSecurity);

registerEnumType(NotificationEventEnum, { name: 'NotificationEvent' });
registerEnumType(NotificationChannelKindEnum, {
  name: 'NotificationChannelKind',
});
registerEnumType(SmtpSecurityEnum, {
  name: 'SmtpSecurity',
  description:
    'TLS: TLS from the first byte (465). STARTTLS: upgrade required (587). NONE: plain, trusted networks only.',
});

@ObjectType({
  description: 'Where notifications go. Secrets (webhook signing secret, SMTP password) are never returned.',
})
export class NotificationChannel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => NotificationChannelKindEnum)
  kind!: NotificationChannelKind;

  @Field(() => [NotificationEventEnum])
  events!: NotificationEvent[];

  @Field()
  enabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'WEBHOOK: where requests are POSTed.',
  })
  url!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'EMAIL: recipients, comma-separated.',
  })
  emailTo!: string | null;

  @Field(() => String, { nullable: true })
  emailFrom!: string | null;

  @Field(() => String, { nullable: true })
  smtpHost!: string | null;

  @Field(() => Int, { nullable: true })
  smtpPort!: number | null;

  @Field(() => SmtpSecurityEnum, { nullable: true })
  smtpSecurity!: SmtpSecurity | null;

  @Field(() => String, { nullable: true })
  smtpUsername!: string | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class CreatedNotificationChannel {
  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field(() => String, {
    nullable: true,
    description: 'WEBHOOK: the signing secret, shown this once (stored encrypted). Verify X-Tomo-Signature with it.',
  })
  secret!: string | null;
}

@InputType()
export class AddNotificationChannelInput {
  @Field({ description: '1-100 characters, unique.' })
  name!: string;

  @Field(() => NotificationChannelKindEnum)
  kind!: NotificationChannelKind;

  @Field(() => [NotificationEventEnum], {
    description: 'The events this channel receives (at least one).',
  })
  events!: NotificationEvent[];

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  enabled?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: 'WEBHOOK only: http(s) URL.',
  })
  url?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'EMAIL only: recipients, comma-separated.',
  })
  emailTo?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL only.' })
  emailFrom?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL only.' })
  smtpHost?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'EMAIL only; default 465 with TLS, else 587.',
  })
  smtpPort?: number | null;

  @Field(() => SmtpSecurityEnum, {
    nullable: true,
    description: 'EMAIL only; default STARTTLS.',
  })
  smtpSecurity?: SmtpSecurity | null;

  @Field(() => String, { nullable: true, description: 'EMAIL only.' })
  smtpUsername?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'EMAIL only; stored encrypted, never returned.',
  })
  smtpPassword?: string | null;
}

@InputType({
  description: 'Fields to change; omitted ones keep their value. The kind cannot change.',
})
export class UpdateNotificationChannelInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [NotificationEventEnum], { nullable: true })
  events?: NotificationEvent[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true })
  emailTo?: string | null;

  @Field(() => String, { nullable: true })
  emailFrom?: string | null;

  @Field(() => String, { nullable: true })
  smtpHost?: string | null;

  @Field(() => Int, { nullable: true })
  smtpPort?: number | null;

  @Field(() => SmtpSecurityEnum, { nullable: true })
  smtpSecurity?: SmtpSecurity | null;

  @Field(() => String, { nullable: true })
  smtpUsername?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A new password; an empty string removes it.',
  })
  smtpPassword?: string | null;
}

@ObjectType({ description: 'Something that happened, in-app.' })
export class Notification {
  @Field(() => ID)
  id!: string;

  @Field(() => NotificationEventEnum)
  event!: NotificationEvent;

  @Field()
  message!: string;

  @Field({ description: 'Read by the caller.' })
  read!: boolean;

  @Field(() => ID, { nullable: true })
  jobId!: string | null;

  @Field(() => ID, { nullable: true })
  serverId!: string | null;

  @Field(() => ID, { nullable: true })
  deploymentId!: string | null;

  @Field({ description: 'When it happened.' })
  createdAt!: Date;
}

@ObjectType()
export class NotificationEdge {
  @Field()
  cursor!: string;

  @Field(() => Notification)
  node!: Notification;
}

@ObjectType()
export class NotificationPageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class NotificationConnection {
  @Field(() => [NotificationEdge])
  edges!: NotificationEdge[];

  @Field(() => NotificationPageInfo)
  pageInfo!: NotificationPageInfo;
}
