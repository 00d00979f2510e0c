import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ServerAuthType, ServerStatus } from '@tomo/servers';
import { contractEnum } from '../graphql/contract-enum';

export const ServerStatusEnum = contractEnum(ServerStatus);
export const ServerAuthTypeEnum = contractEnum(ServerAuthType);

registerEnumType(ServerStatusEnum, {
  name: 'ServerStatus',
  description:
    'UNKNOWN: not tested yet. ONLINE. OFFLINE: unreachable. AUTH_FAILED: credentials rejected. HOST_KEY_MISMATCH: another host key than the pinned one (acceptServerHostKey). NO_DOCKER: Docker missing, stopped or not permitted.',
});
registerEnumType(ServerAuthTypeEnum, { name: 'ServerAuthType' });

@ObjectType({
  description: 'A managed server. Its credentials are stored encrypted and are never returned.',
})
export class Server {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'Host name or IP address.' })
  host!: string;

  @Field(() => Int)
  port!: number;

  @Field()
  username!: string;

  @Field(() => ServerAuthTypeEnum)
  authType!: ServerAuthType;

  @Field(() => ServerStatusEnum)
  status!: ServerStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Why the status is what it is (last error, what is missing).',
  })
  statusMessage!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The pinned SSH host key (SHA256:…), recorded on the first connection.',
  })
  hostKeyFingerprint!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'While HOST_KEY_MISMATCH: the key the server presented instead (what acceptServerHostKey would pin).',
  })
  presentedHostKeyFingerprint!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Docker engine version (client version when the engine is not usable).',
  })
  dockerVersion!: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether the SSH user may use the Docker engine.',
  })
  dockerAccessible!: boolean | null;

  @Field(() => String, { nullable: true })
  os!: string | null;

  @Field(() => String, { nullable: true })
  arch!: string | null;

  @Field(() => String, { nullable: true })
  kernel!: string | null;

  @Field(() => Int, { nullable: true })
  cpuCount!: number | null;

  @Field(() => Float, { nullable: true })
  memoryBytes!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Size of the file system holding /.',
  })
  diskBytes!: number | null;

  @Field({
    description: 'Default Docker network mode of deployments: host, bridge or a network name.',
  })
  networkMode!: string;

  @Field(() => Int, {
    description: 'Mutating jobs (deployments…) allowed at once on this server.',
  })
  maxConcurrentJobs!: number;

  @Field({
    description: "Whether the daily prune-images schedule removes this server's dangling Docker images.",
  })
  pruneImages!: boolean;

  @Field(() => Date, {
    nullable: true,
    description: 'Last successful connection.',
  })
  lastSeenAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Last finished connection test.',
  })
  lastCheckedAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@InputType()
export class AddServerInput {
  @Field()
  name!: string;

  @Field({ description: 'Host name or IP address.' })
  host!: string;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 22,
    description: '1-65535.',
  })
  port?: number | null;

  @Field()
  username!: string;

  @Field(() => ServerAuthTypeEnum)
  authType!: ServerAuthType;

  @Field(() => String, {
    nullable: true,
    description: 'Required for PASSWORD.',
  })
  password?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Required for KEY: OpenSSH or PEM private key.',
  })
  privateKey?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'For an encrypted private key.',
  })
  passphrase?: string | null;

  @Field(() => String, {
    nullable: true,
    defaultValue: 'host',
    description: 'host (default), bridge or a Docker network name.',
  })
  networkMode?: string | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 1,
    description: 'Mutating jobs allowed at once on this server (1-16).',
  })
  maxConcurrentJobs?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Remove this server's dangling Docker images daily (prune-images schedule).",
  })
  pruneImages?: boolean | null;
}

@InputType({
  description: 'Fields to change; an omitted secret keeps the stored one. A passphrase comes with its private key.',
})
export class UpdateServerInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  host?: string | null;

  @Field(() => Int, { nullable: true })
  port?: number | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => ServerAuthTypeEnum, { nullable: true })
  authType?: ServerAuthType | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => String, { nullable: true })
  privateKey?: string | null;

  @Field(() => String, { nullable: true })
  passphrase?: string | null;

  @Field(() => String, { nullable: true })
  networkMode?: string | null;

  @Field(() => Int, { nullable: true })
  maxConcurrentJobs?: number | null;

  @Field(() => Boolean, { nullable: true })
  pruneImages?: boolean | null;
}

@ObjectType({
  description: 'One point of a server metrics series (a raw sample, or an hourly average).',
})
export class ServerMetric {
  @Field({ description: 'Sample time, or the start of the averaged bucket.' })
  at!: Date;

  @Field(() => Int, {
    description: '0 for a raw sample, 3600 for an hourly average.',
  })
  bucketSeconds!: number;

  @Field(() => Int, { description: 'Raw samples behind the point.' })
  samples!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Busy share of all CPUs, 0-100 (from /proc/stat deltas).',
  })
  cpuPercent!: number | null;

  @Field(() => Float, { nullable: true })
  memoryUsedBytes!: number | null;

  @Field(() => Float, { nullable: true })
  memoryTotalBytes!: number | null;

  @Field(() => Float, { nullable: true })
  diskUsedBytes!: number | null;

  @Field(() => Float, { nullable: true })
  diskTotalBytes!: number | null;

  @Field(() => Float, { nullable: true })
  load1!: number | null;

  @Field(() => Float, { nullable: true })
  load5!: number | null;

  @Field(() => Float, { nullable: true })
  load15!: number | null;

  @Field(() => Float, { nullable: true })
  containersRunning!: number | null;

  @Field(() => Float, { nullable: true })
  containersTotal!: number | null;
}
