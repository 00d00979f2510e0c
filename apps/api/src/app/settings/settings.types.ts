import { Field, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PullPolicy, Theme, TimeFormat } from '@tomo/shared';
import { systemSettingsSchema } from '@tomo/settings';
import { PullPolicyEnum } from '../deployments/deployment.types';
import { contractEnum } from '../graphql/contract-enum';

export const ThemeEnum = contractEnum(Theme);
export const TimeFormatEnum = contractEnum(TimeFormat);
registerEnumType(ThemeEnum, { name: 'Theme', description: 'SYSTEM follows the operating system; LIGHT or DARK.' });
registerEnumType(TimeFormatEnum, {
  name: 'TimeFormat',
  description: "SYSTEM (the browser's locale), H24 (14:05) or H12 (2:05 PM).",
});

/** The descriptions of the shared settings schema, so GraphQL and MCP document a field alike. */
const describe = (key: keyof typeof systemSettingsSchema.shape) => systemSettingsSchema.shape[key].description;

@ObjectType({ description: 'How often a schedule runs; the schedule table behind `schedules` is its one home.' })
export class ScheduleInterval {
  @Field({ description: 'The schedule (see `schedules`).' })
  name!: string;

  @Field(() => Int, { description: 'Seconds between runs.' })
  everySeconds!: number;
}

@ObjectType({
  description: 'System settings (ADMIN). Environment variables give the defaults; changes apply without a restart.',
})
export class SystemSettingsModel {
  @Field(() => Int, { description: describe('sessionIdleTimeoutSeconds') })
  sessionIdleTimeoutSeconds!: number;

  @Field(() => Int, { description: describe('jwtExpiresInSeconds') })
  jwtExpiresInSeconds!: number;

  @Field(() => Int, { description: describe('jobRetentionDays') })
  jobRetentionDays!: number;

  @Field(() => Int, { description: describe('metricsRetentionDays') })
  metricsRetentionDays!: number;

  @Field(() => Int, { description: describe('auditRetentionDays') })
  auditRetentionDays!: number;

  @Field(() => Int, { description: describe('backupsToKeep') })
  backupsToKeep!: number;

  @Field(() => Int, { description: describe('diskLowPercent') })
  diskLowPercent!: number;

  @Field(() => PullPolicyEnum, { description: describe('defaultPullPolicy') })
  defaultPullPolicy!: PullPolicy;

  @Field(() => [ScheduleInterval], { description: 'The interval of every schedule.' })
  schedules!: ScheduleInterval[];
}

@InputType({ description: 'A new interval for one schedule.' })
export class ScheduleIntervalInput {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'Seconds between runs, 10 to 2592000 (30 days).' })
  everySeconds!: number;
}

@InputType({ description: 'The settings to change; the others keep their value.' })
export class UpdateSettingsInput {
  @Field(() => Int, { nullable: true, description: describe('sessionIdleTimeoutSeconds') })
  sessionIdleTimeoutSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: describe('jwtExpiresInSeconds') })
  jwtExpiresInSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: describe('jobRetentionDays') })
  jobRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: describe('metricsRetentionDays') })
  metricsRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: describe('auditRetentionDays') })
  auditRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: describe('backupsToKeep') })
  backupsToKeep?: number | null;

  @Field(() => Int, { nullable: true, description: describe('diskLowPercent') })
  diskLowPercent?: number | null;

  @Field(() => PullPolicyEnum, { nullable: true, description: describe('defaultPullPolicy') })
  defaultPullPolicy?: PullPolicy | null;

  @Field(() => [ScheduleIntervalInput], { nullable: true, description: 'New intervals of some schedules.' })
  schedules?: ScheduleIntervalInput[] | null;
}

@ObjectType({ description: "The signed-in user's console preferences." })
export class UserPreferencesModel {
  @Field(() => ThemeEnum)
  theme!: Theme;

  @Field(() => TimeFormatEnum)
  timeFormat!: TimeFormat;
}

@InputType({ description: 'The preferences to change; the others keep their value.' })
export class UpdatePreferencesInput {
  @Field(() => ThemeEnum, { nullable: true })
  theme?: Theme | null;

  @Field(() => TimeFormatEnum, { nullable: true })
  timeFormat?: TimeFormat | null;
}
