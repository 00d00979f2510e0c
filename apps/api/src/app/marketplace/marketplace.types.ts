import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  type AppDefinition,
  type AppEnvVar,
  type MarketplaceApp,
  type MarketplaceCategory,
  type MarketplaceRepo,
  MarketplaceSyncStatus,
} from '@tomo/marketplace';
import { appIconPath } from '@tomo/shared';

/** Named by value (SUCCEEDED, PARTIAL, FAILED), as the other enums of the API are. */
export const MarketplaceSyncStatusEnum = Object.fromEntries(
  Object.values(MarketplaceSyncStatus).map((value) => [value, value]),
) as { [K in MarketplaceSyncStatus]: K };

registerEnumType(MarketplaceSyncStatusEnum, {
  name: 'MarketplaceSyncStatus',
  description:
    'PARTIAL: the repository was read but some app files were invalid (see errors). FAILED: nothing was read (git failed or the sync was cancelled); the apps stay as they were.',
});

@ObjectType('MarketplaceFileError', {
  description: 'An app file a sync could not use.',
})
export class MarketplaceFileErrorModel {
  @Field({
    description: 'Path in the repository, e.g. apps/utility/heimdall/app.yaml.',
  })
  file!: string;
  @Field({ description: 'What is wrong, naming the file and the field.' })
  message!: string;
}

@ObjectType('MarketplaceRepo', {
  description: 'A marketplace repository: the built-in catalog or a git repository an admin added.',
})
export class MarketplaceRepoModel {
  @Field(() => ID) id!: string;
  @Field({
    description: 'Lowercase slug; apps of this repository have the ids <name>/<app id>.',
  })
  name!: string;
  @Field({
    description: 'The git URL (builtin:catalog for the built-in catalog).',
  })
  url!: string;
  @Field() branch!: string;
  @Field({
    description: "A disabled repository's apps are left out of apps and categories.",
  })
  enabled!: boolean;
  @Field({
    description: 'The catalog shipped with Tomo: cannot be removed, can be disabled.',
  })
  builtIn!: boolean;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) lastSyncedAt!: Date | null;
  @Field(() => MarketplaceSyncStatusEnum, {
    nullable: true,
    description: 'Null until the first sync.',
  })
  lastSyncStatus!: MarketplaceSyncStatus | null;
  @Field(() => String, {
    nullable: true,
    description: 'Why the last sync failed as a whole.',
  })
  lastSyncError!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The commit the last successful sync read.',
  })
  lastCommit!: string | null;
  @Field(() => Int, { description: 'Apps of this repository in the catalog.' })
  appCount!: number;
  @Field(() => [MarketplaceFileErrorModel], {
    description: 'The invalid files of the last sync that read the repository.',
  })
  errors!: MarketplaceFileErrorModel[];

  static of(repo: MarketplaceRepo): MarketplaceRepoModel {
    return Object.assign(new MarketplaceRepoModel(), {
      id: repo.id,
      name: repo.name,
      url: repo.url,
      branch: repo.branch,
      enabled: repo.enabled,
      builtIn: repo.builtIn,
      createdAt: repo.createdAt,
      updatedAt: repo.updatedAt,
      lastSyncedAt: repo.lastSyncedAt,
      lastSyncStatus: repo.lastSyncStatus,
      lastSyncError: repo.lastSyncError,
      lastCommit: repo.lastCommit,
      appCount: repo.appCount,
      errors: repo.errors.map((error) => ({
        file: error.file,
        message: error.message,
      })),
    });
  }
}

@ObjectType('AppImage')
export class AppImageModel {
  @Field({
    description: 'As docker pull takes it, e.g. lscr.io/linuxserver/heimdall:v2.6.3-ls283.',
  })
  reference!: string;
  @Field(() => String, { nullable: true, description: 'Null for Docker Hub.' })
  registry!: string | null;
  @Field() repository!: string;
  @Field() tag!: string;
}

@ObjectType('AppPort')
export class AppPortModel {
  @Field(() => Int) container!: number;
  @Field(() => Int, {
    description: 'The default host port; the user may choose another at install.',
  })
  host!: number;
  @Field({ description: 'tcp or udp' }) protocol!: string;
  @Field() description!: string;
}

@ObjectType('AppVolume')
export class AppVolumeModel {
  @Field() container!: string;
  @Field({
    description: 'Relative (under the deployment directory), absolute, or ${VAR}…',
  })
  host!: string;
  @Field() readOnly!: boolean;
  @Field() description!: string;
}

@ObjectType('AppEnvVar')
export class AppEnvVarModel {
  @Field() name!: string;
  @Field() description!: string;
  @Field({ description: 'A value must be given at install.' })
  required!: boolean;
  @Field({
    description: 'The value is a secret (derived from the name): masked, never echoed back.',
  })
  secret!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'The default value; always null for secret variables.',
  })
  defaultValue!: string | null;

  static of(env: AppEnvVar): AppEnvVarModel {
    return Object.assign(new AppEnvVarModel(), {
      name: env.name,
      description: env.description,
      required: env.required,
      secret: env.secret,
      defaultValue: env.secret ? null : env.defaultValue,
    });
  }
}

@ObjectType('AppNetwork')
export class AppNetworkModel {
  @Field({ description: 'bridge, host or none' }) mode!: string;
  @Field(() => [String], {
    description: 'User-defined networks the container joins (bridge mode).',
  })
  networks!: string[];
}

@ObjectType('AppRequirements')
export class AppRequirementsModel {
  @Field({ description: 'As written, e.g. 256MB.' }) memory!: string;
  @Field(() => Float, { description: 'Binary units: 1MB = 1 MiB.' })
  memoryBytes!: number;
  @Field(() => Float) cpus!: number;
  @Field() storage!: string;
  @Field(() => Float) storageBytes!: number;
  @Field(() => [String], {
    description: 'Supported CPU architectures; empty: not restricted.',
  })
  architectures!: string[];
}

@ObjectType('AppHealthcheck')
export class AppHealthcheckModel {
  @Field({ description: 'http, https or tcp' }) protocol!: string;
  @Field(() => String, { nullable: true }) path!: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Host-side port; null: only "the container runs" is checked.',
  })
  port!: number | null;
  @Field(() => Int) intervalSeconds!: number;
  @Field(() => Int) timeoutSeconds!: number;
  @Field(() => Int) retries!: number;
}

@ObjectType('App', { description: 'An app of the marketplace catalog.' })
export class AppModel {
  @Field(() => ID, {
    description: '<repository name>/<app id>, e.g. builtin/uptime-kuma: what installApp takes.',
  })
  id!: string;
  @Field(() => ID) repoId!: string;
  @Field({ description: "The app's id inside its repository." }) appId!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field({
    description: 'Version of the definition (X.Y.Z), not of the image.',
  })
  version!: string;
  @Field({
    description: 'automation, media, monitoring, networking, security, storage or utility',
  })
  category!: string;
  @Field(() => [String]) tags!: string[];
  @Field() author!: string;
  @Field({
    description:
      "Where Tomo serves the app's icon (/icons/<repository>/<app>): the copy a sync downloaded, or a placeholder. Never the catalog's host.",
  })
  iconUrl!: string;
  @Field() sourceUrl!: string;
  @Field() documentationUrl!: string;
  @Field() featured!: boolean;
  @Field() deprecated!: boolean;
  @Field(() => AppImageModel) image!: AppImageModel;
  @Field(() => [String], {
    nullable: true,
    description: "The command's arguments (never run through a shell); null: the image's CMD.",
  })
  command!: string[] | null;
  @Field(() => [AppPortModel]) ports!: AppPortModel[];
  @Field(() => [AppEnvVarModel]) env!: AppEnvVarModel[];
  @Field(() => [AppVolumeModel]) volumes!: AppVolumeModel[];
  @Field(() => AppNetworkModel) network!: AppNetworkModel;
  @Field() restartPolicy!: string;
  @Field(() => [String]) capabilities!: string[];
  @Field(() => AppRequirementsModel) requirements!: AppRequirementsModel;
  @Field(() => AppHealthcheckModel, { nullable: true })
  healthcheck!: AppHealthcheckModel | null;
  @Field({
    description: 'No longer in its repository: kept for its deployments, not listed.',
  })
  removed!: boolean;
  @Field() updatedAt!: Date;

  static of(app: MarketplaceApp): AppModel {
    const d: AppDefinition = app.definition;
    return Object.assign(new AppModel(), {
      id: app.id,
      repoId: app.repoId,
      appId: app.appId,
      name: app.name,
      description: app.description,
      version: app.version,
      category: app.category,
      tags: app.tags,
      author: d.author,
      iconUrl: appIconPath(app.id),
      sourceUrl: d.sourceUrl,
      documentationUrl: d.documentationUrl,
      featured: d.featured,
      deprecated: d.deprecated,
      image: { ...d.image },
      command: d.command,
      ports: d.ports.map((port) => ({ ...port })),
      env: d.env.map((env) => AppEnvVarModel.of(env)),
      volumes: d.volumes.map((volume) => ({
        container: volume.container,
        host: volume.host,
        readOnly: volume.readOnly,
        description: volume.description,
      })),
      network: { mode: d.network.mode, networks: d.network.networks },
      restartPolicy: d.restartPolicy,
      capabilities: d.capabilities,
      requirements: { ...d.requirements },
      healthcheck: d.healthcheck && { ...d.healthcheck },
      removed: app.removed,
      updatedAt: app.updatedAt,
    });
  }
}

@ObjectType('AppCategory')
export class AppCategoryModel {
  @Field() name!: string;
  @Field(() => Int, {
    description: 'Apps of enabled repositories in this category.',
  })
  appCount!: number;

  static of(category: MarketplaceCategory): AppCategoryModel {
    return Object.assign(new AppCategoryModel(), {
      name: category.name,
      appCount: category.appCount,
    });
  }
}

@InputType()
export class AddMarketplaceRepoInput {
  @Field({
    description: 'Lowercase slug (2-40 chars), unique; prefixes the app ids.',
  })
  name!: string;
  @Field({
    description: 'https://…, ssh://…, user@host:path, or an absolute local path.',
  })
  url!: string;
  @Field(() => String, { nullable: true, description: 'Default main.' })
  branch?: string | null;
}
