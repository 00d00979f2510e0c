import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ErrorCode, TomoException, notFound } from '@tomo/shared';
import { APP_CATEGORIES, type AppCategory, type AppDefinition } from './app-definition';
import { MarketplaceAppEntity } from './entities';

/** An app of the catalog, as the API shows it. */
export interface MarketplaceApp {
  /** `<repository name>/<app id>`, e.g. `builtin/uptime-kuma`: what `app(id)` and `installApp({appId})` take. */
  id: string;
  repoId: string;
  /** The app's id inside its repository. */
  appId: string;
  name: string;
  description: string;
  category: AppCategory;
  tags: string[];
  version: string;
  /** No longer in its repository (kept for the deployments of it; not listed). */
  removed: boolean;
  definition: AppDefinition;
  sourcePath: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MarketplaceCategory {
  name: AppCategory;
  appCount: number;
}

export interface AppFilter {
  /** Words that must all occur in the name, description, id, category or tags (any case). */
  search?: string | null;
  category?: string | null;
  tag?: string | null;
}

/** Reading the catalog: apps by filter, one app, categories. Database only. */
@Injectable()
export class MarketplaceCatalog {
  constructor(
    @InjectRepository(MarketplaceAppEntity)
    private readonly apps: Repository<MarketplaceAppEntity>,
  ) {}

  /** Apps of enabled repositories that are still in their repository, by name. */
  async listApps(filter: AppFilter = {}): Promise<MarketplaceApp[]> {
    const category = filter.category?.trim() || null;
    if (category !== null && !isCategory(category)) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `Category ${category} does not exist; categories are ${APP_CATEGORIES.join(', ')}`,
      );
    }
    const rows = await this.apps.find({
      where: {
        removed: false,
        repo: { enabled: true },
        ...(category ? { category } : {}),
      },
      relations: { repo: true },
    });
    const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const tag = filter.tag?.trim().toLowerCase() || null;
    return rows
      .filter((row) => tag === null || row.tags.includes(tag))
      .filter((row) => {
        if (words.length === 0) return true;
        const text = [row.name, row.description, row.appId, row.category, ...row.tags].join(' ').toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id))
      .map(toApp);
  }

  /**
   * One app by public id, also when it was removed from its repository or its repository is
   * disabled (deployments of it still need its definition).
   */
  async getApp(id: string): Promise<MarketplaceApp> {
    const row = await this.apps.findOne({ where: { id } });
    if (!row) throw notFound('App', id);
    return toApp(row);
  }

  /** Categories that have apps in the catalog, with how many. */
  async categories(): Promise<MarketplaceCategory[]> {
    const counts = new Map<AppCategory, number>();
    for (const app of await this.listApps()) counts.set(app.category, (counts.get(app.category) ?? 0) + 1);
    return APP_CATEGORIES.filter((name) => counts.has(name)).map((name) => ({
      name,
      appCount: counts.get(name) ?? 0,
    }));
  }
}

/** The public id of an app: `<repository name>/<app id>`. */
export function publicAppId(repoName: string, appId: string): string {
  return `${repoName}/${appId}`;
}

function isCategory(value: string): value is AppCategory {
  return (APP_CATEGORIES as readonly string[]).includes(value);
}

function toApp(row: MarketplaceAppEntity): MarketplaceApp {
  return {
    id: row.id,
    repoId: row.repoId,
    appId: row.appId,
    name: row.name,
    description: row.description,
    category: row.category,
    tags: row.tags,
    version: row.version,
    removed: row.removed,
    definition: row.definition,
    sourcePath: row.sourcePath,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
