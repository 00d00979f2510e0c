import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DeploymentStatus, PullPolicy } from '@tomo/deployments';
import { contractEnum } from '../graphql/contract-enum';

export const DeploymentStatusEnum = contractEnum(DeploymentStatus);
export const PullPolicyEnum = contractEnum(PullPolicy);

registerEnumType(DeploymentStatusEnum, {
  name: 'DeploymentStatus',
  description:
    'INSTALLING until the install job ends; RUNNING, STOPPED, UNHEALTHY, MISSING as the last job or the reconciliation found it; FAILED: the install failed (and was undone).',
});
registerEnumType(PullPolicyEnum, {
  name: 'PullPolicy',
  description: 'ALWAYS pull, pull IF_MISSING (default), NEVER pull.',
});

@ObjectType()
export class DeploymentEnvVar {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'null for secret variables: their values are never returned.' })
  value!: string | null;

  @Field()
  secret!: boolean;
}

@ObjectType()
export class DeploymentPort {
  @Field(() => Int)
  container!: number;

  @Field(() => Int)
  host!: number;

  @Field()
  protocol!: string;
}

@ObjectType()
export class DeploymentVolume {
  @Field({ description: 'Absolute path in the container.' })
  container!: string;

  @Field({ description: '/absolute path, ./path under the deployment directory on the server, or a named volume.' })
  host!: string;

  @Field()
  readOnly!: boolean;
}

@ObjectType()
export class DeploymentConfigType {
  @Field(() => [DeploymentEnvVar])
  env!: DeploymentEnvVar[];

  @Field(() => [DeploymentPort])
  ports!: DeploymentPort[];

  @Field(() => [DeploymentVolume])
  volumes!: DeploymentVolume[];

  @Field({ description: 'host, none, bridge, or a user-defined network.' })
  network!: string;

  @Field(() => PullPolicyEnum)
  pullPolicy!: PullPolicy;
}

@ObjectType({ description: 'An app installed on a server.' })
export class Deployment {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  serverId!: string;

  @Field({ description: 'Marketplace app id, e.g. builtin/uptime-kuma.' })
  appId!: string;

  @Field(() => DeploymentStatusEnum)
  status!: DeploymentStatus;

  @Field(() => String, { nullable: true, description: 'Why the status is what it is (failure, health check message).' })
  statusMessage!: string | null;

  @Field()
  containerName!: string;

  @Field(() => String, { nullable: true })
  containerId!: string | null;

  @Field({ description: 'The image the container runs.' })
  image!: string;

  @Field(() => [String])
  accessUrls!: string[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@InputType()
export class EnvVarInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType()
export class PortInput {
  @Field(() => Int)
  container!: number;

  @Field(() => Int)
  host!: number;

  @Field(() => String, { nullable: true, defaultValue: 'tcp' })
  protocol?: string | null;
}

@InputType()
export class VolumeInput {
  @Field()
  container!: string;

  @Field()
  host!: string;
}

@InputType({
  description: "Overrides of the app's defaults; anything left out keeps the default (on update: the current value).",
})
export class DeploymentConfigInput {
  @Field(() => [EnvVarInput], { nullable: true })
  env?: EnvVarInput[] | null;

  @Field(() => [PortInput], { nullable: true })
  ports?: PortInput[] | null;

  @Field(() => [VolumeInput], { nullable: true })
  volumes?: VolumeInput[] | null;

  @Field(() => String, { nullable: true })
  network?: string | null;

  @Field(() => PullPolicyEnum, { nullable: true })
  pullPolicy?: PullPolicy | null;
}

@InputType()
export class InstallAppInput {
  @Field(() => ID)
  serverId!: string;

  @Field({ description: 'Marketplace app id, e.g. builtin/uptime-kuma.' })
  appId!: string;

  @Field(() => DeploymentConfigInput, { nullable: true })
  config?: DeploymentConfigInput | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Your key: within 24 h the same request with it returns the job it started instead of installing again; another request with it is a CONFLICT.',
  })
  idempotencyKey?: string | null;
}

@InputType()
export class UpdateAppInput {
  @Field(() => ID)
  deploymentId!: string;

  @Field(() => String, {
    nullable: true,
    description: "A tag of the app's image; none: the image the catalog names now.",
  })
  imageTag?: string | null;

  @Field(() => DeploymentConfigInput, { nullable: true })
  config?: DeploymentConfigInput | null;
}
