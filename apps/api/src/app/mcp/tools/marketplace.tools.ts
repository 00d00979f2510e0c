import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { MarketplaceJobs, MarketplaceService } from '@tomo/marketplace';
import { Role } from '@tomo/shared';
import { AppModel, MarketplaceRepoModel } from '../../marketplace/marketplace.types';
import { id, isoTime, pageArgs, pageInfo, pageOf, started, startedJob } from '../mcp-schemas';
import { asInput, defineTool, type McpTool, READ } from '../mcp-tool';

const appSummary = z.object({
  appId: z.string().describe('Pass it to get_marketplace_app or install_app.'),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
});

const appDetail = z.looseObject({
  id: z.string().describe('The appId for install_app.'),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  category: z.string(),
  image: z.looseObject({ reference: z.string() }),
  ports: z
    .array(z.looseObject({ container: z.number(), host: z.number(), protocol: z.string(), description: z.string() }))
    .describe('Default port mappings.'),
  env: z
    .array(
      z.looseObject({
        name: z.string(),
        description: z.string(),
        required: z.boolean(),
        secret: z.boolean(),
        defaultValue: z.string().nullable(),
      }),
    )
    .describe('Variables; the required ones must be given in install_app config.env.'),
  volumes: z.array(
    z.looseObject({ container: z.string(), host: z.string(), readOnly: z.boolean(), description: z.string() }),
  ),
});

const repoOut = z.object({
  repoId: z.string(),
  name: z.string().describe('Apps of this repository have ids <name>/<app>.'),
  url: z.string(),
  branch: z.string(),
  enabled: z.boolean(),
  builtIn: z.boolean(),
  lastSyncedAt: isoTime('Last sync').nullable(),
  lastSyncStatus: z.string().nullable(),
  lastSyncError: z.string().nullable(),
  appCount: z.number().int(),
});

const repoOf = (model: MarketplaceRepoModel): z.input<typeof repoOut> => ({
  repoId: model.id,
  name: model.name,
  url: model.url,
  branch: model.branch,
  enabled: model.enabled,
  builtIn: model.builtIn,
  lastSyncedAt: model.lastSyncedAt?.toISOString() ?? null,
  lastSyncStatus: model.lastSyncStatus,
  lastSyncError: model.lastSyncError,
  appCount: model.appCount,
});

/** The marketplace: thin tools over MarketplaceService and MarketplaceJobs (as MarketplaceResolver). */
@Injectable()
export class MarketplaceTools {
  constructor(
    private readonly marketplace: MarketplaceService,
    private readonly marketplaceJobs: MarketplaceJobs,
  ) {}

  tools(): McpTool[] {
    return [
      defineTool({
        name: 'search_marketplace',
        title: 'Search the app catalog',
        description:
          'Finds installable apps in the enabled marketplace repositories, by name. Use it to get an appId for get_marketplace_app (its configuration) and install_app. Paged.',
        role: Role.Viewer,
        behaviour: READ,
        input: {
          search: z
            .string()
            .max(200)
            .optional()
            .describe('Words that must all occur in the name, description, id, category or tags (any case).'),
          category: z.string().max(64).optional().describe('Only apps of this category (exact).'),
          tag: z.string().max(64).optional().describe('Only apps with this tag (exact).'),
          ...pageArgs,
        },
        output: { apps: z.array(appSummary), pageInfo },
        run: async ({ search, category, tag, first, after }) => {
          const all = await this.marketplace.listApps({ search, category, tag });
          const page = pageOf(all, first, after);
          const apps = page.items.map((app) => {
            const model = AppModel.of(app);
            return {
              appId: model.id,
              name: model.name,
              description: model.description,
              version: model.version,
              category: model.category,
              tags: model.tags,
            };
          });
          return { structured: { apps, pageInfo: page.pageInfo }, summary: `${apps.length} of ${all.length} app(s).` };
        },
      }),
      defineTool({
        name: 'get_marketplace_app',
        title: 'Get an app',
        description:
          'One app of the catalog by appId: image, ports, environment variables (which are required or secret), volumes, requirements. Read it before install_app to build a valid config. NOT_FOUND for an unknown id.',
        role: Role.Viewer,
        behaviour: READ,
        input: { appId: z.string().min(1).max(200).describe('<repository>/<app>, e.g. builtin/whoami.') },
        output: { app: appDetail },
        run: async ({ appId }) => {
          const model = AppModel.of(await this.marketplace.getApp(appId));
          return {
            structured: { app: JSON.parse(JSON.stringify(model)) as z.input<typeof appDetail> },
            summary: `${model.name} ${model.version} (${model.image.reference}).`,
          };
        },
      }),
      defineTool({
        name: 'list_marketplace_repos',
        title: 'List marketplace repositories',
        description:
          'The built-in catalog and the git repositories added, with their sync status. Use a repoId with sync_marketplace_repo.',
        role: Role.Viewer,
        behaviour: READ,
        input: {},
        output: { repos: z.array(repoOut) },
        run: async () => {
          const repos = (await this.marketplace.listRepos()).map((repo) => repoOf(MarketplaceRepoModel.of(repo)));
          return { structured: { repos }, summary: `${repos.length} repositor${repos.length === 1 ? 'y' : 'ies'}.` };
        },
      }),
      defineTool({
        name: 'add_marketplace_repo',
        title: 'Add a marketplace repository',
        description:
          'Adds a git repository of apps in the Tomo marketplace format (not synced yet: call sync_marketplace_repo with the returned repoId). BAD_USER_INPUT for a refused name, URL or branch; CONFLICT when the name or URL+branch is taken. Admin only: a repository decides what operators can install.',
        role: Role.Admin,
        behaviour: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
        audit: { action: 'addMarketplaceRepo', targetType: 'marketplace-repo', details: asInput },
        input: {
          name: z.string().min(1).max(64).describe('Lowercase slug; its apps get ids <name>/<app>.'),
          url: z.string().min(1).max(2048).describe('The git URL (https:// or a local path the Tomo host can read).'),
          branch: z.string().min(1).max(255).optional().describe('Branch to follow (default main).'),
        },
        output: { repo: repoOut },
        run: async (input) => {
          const repo = repoOf(MarketplaceRepoModel.of(await this.marketplace.addRepo(input)));
          return {
            structured: { repo },
            summary: `Repository ${repo.name} added (repoId ${repo.repoId}); call sync_marketplace_repo to import its apps.`,
          };
        },
      }),
      defineTool({
        name: 'sync_marketplace_repo',
        title: 'Sync a marketplace repository',
        description:
          'Starts a job that clones or fetches the repository and imports its apps. Returns { jobId, status } at once: call wait_for_job, then search_marketplace.',
        role: Role.Admin,
        behaviour: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
        audit: { action: 'syncMarketplaceRepo', targetType: 'marketplace-repo' },
        input: { repoId: id('repository') },
        output: startedJob,
        run: async ({ repoId }, call) =>
          started(await this.marketplaceJobs.startSync(repoId, call.principal.username), 'Sync started'),
      }),
    ];
  }
}
