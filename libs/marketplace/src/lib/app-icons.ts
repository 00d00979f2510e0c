import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { ErrorCode, TomoException } from '@tomo/shared';
import { MarketplaceAppEntity, MarketplaceAppIconEntity } from './entities';

/** Larger files are refused: an icon is a few kB, and each is stored in the database. */
export const APP_ICON_MAX_BYTES = 256 * 1024;

/** The image types a browser shows in `<img>`; anything else (HTML, scripts) is refused. */
export const APP_ICON_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
]);

const DOWNLOAD_TIMEOUT_MS = 10_000;

export interface AppIcon {
  contentType: string;
  data: Buffer;
}

/** Why an icon was not downloaded; the sync logs it and the console shows the fallback. */
export class AppIconRefused extends Error {
  override readonly name = 'AppIconRefused';
}

/**
 * Downloads an icon: http(s) only (redirects too, which fetch follows only to http(s)), a 2xx
 * answer with an image content type, at most APP_ICON_MAX_BYTES (counted as it arrives, not
 * trusted from Content-Length), within DOWNLOAD_TIMEOUT_MS.
 */
export async function downloadAppIcon(url: string, signal?: AbortSignal): Promise<AppIcon> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppIconRefused(`${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppIconRefused(`only http(s) URLs are downloaded, not ${parsed.protocol}`);
  }
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(parsed, {
      headers: { accept: [...APP_ICON_TYPES].join(', ') },
      redirect: 'follow',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw new TomoException(ErrorCode.Cancelled, 'Sync was cancelled');
    throw new AppIconRefused(`could not download it: ${describeFetchError(error)}`);
  }
  const reader = response.body?.getReader();
  try {
    if (!response.ok) throw new AppIconRefused(`the server answered ${response.status}`);
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!APP_ICON_TYPES.has(contentType)) {
      throw new AppIconRefused(
        `content type ${JSON.stringify(contentType || 'none')} is not an image type Tomo serves`,
      );
    }
    if (Number(response.headers.get('content-length') ?? 0) > APP_ICON_MAX_BYTES) {
      throw new AppIconRefused(`larger than ${APP_ICON_MAX_BYTES / 1024} kB`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      size += chunk.value.byteLength;
      if (size > APP_ICON_MAX_BYTES) throw new AppIconRefused(`larger than ${APP_ICON_MAX_BYTES / 1024} kB`);
      chunks.push(Buffer.from(chunk.value));
    }
    if (size === 0) throw new AppIconRefused('the answer was empty');
    return { contentType, data: Buffer.concat(chunks) };
  } catch (error) {
    await reader?.cancel().catch(() => undefined);
    if (error instanceof AppIconRefused) throw error;
    if (signal?.aborted) throw new TomoException(ErrorCode.Cancelled, 'Sync was cancelled');
    throw new AppIconRefused(`could not download it: ${describeFetchError(error)}`);
  }
}

/** fetch says only "fetch failed"; its cause names what went wrong (ECONNREFUSED, ENOTFOUND, a TLS error…). */
function describeFetchError(error: unknown): string {
  // Duck-typed: undici's errors need not be instances of this realm's Error.
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: { message?: unknown };
  };
  if (name === 'TimeoutError') return `no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`;
  if (typeof cause?.message === 'string') return cause.message;
  return typeof message === 'string' ? message : String(error);
}

export interface IconRefreshResult {
  downloaded: string[];
  unchanged: number;
  /** Apps left without an icon (the console shows the fallback), with the reason. */
  failed: { appId: string; reason: string }[];
}

/**
 * The icons Tomo serves for catalog apps. A sync calls `refresh` after importing a repository:
 * each app whose definition names an icon URL other than the one stored is downloaded again.
 */
@Injectable()
export class AppIconStore {
  constructor(
    @InjectRepository(MarketplaceAppIconEntity) private readonly icons: Repository<MarketplaceAppIconEntity>,
    @InjectRepository(MarketplaceAppEntity) private readonly apps: Repository<MarketplaceAppEntity>,
  ) {}

  async get(appId: string): Promise<AppIcon | null> {
    const row = await this.icons.findOne({ where: { appId } });
    return row ? { contentType: row.contentType, data: Buffer.from(row.data, 'base64') } : null;
  }

  /** Downloads the icons of the repository's apps that have none yet or whose URL changed; one at a time. */
  async refresh(
    repoId: string,
    options: { signal?: AbortSignal; log?: (line: string) => void } = {},
  ): Promise<IconRefreshResult> {
    const log = options.log ?? (() => undefined);
    const apps = await this.apps.find({ where: { repoId, removed: false }, select: { id: true, definition: true } });
    const stored = new Map(
      (
        await this.icons.find({
          where: { appId: In(apps.map((app) => app.id)) },
          select: { appId: true, sourceUrl: true },
        })
      ).map((icon) => [icon.appId, icon.sourceUrl]),
    );
    const result: IconRefreshResult = { downloaded: [], unchanged: 0, failed: [] };
    for (const app of apps) {
      const url = app.definition.iconUrl;
      if (stored.get(app.id) === url) {
        result.unchanged++;
        continue;
      }
      try {
        const icon = await downloadAppIcon(url, options.signal);
        await this.icons.upsert(
          {
            appId: app.id,
            sourceUrl: url,
            contentType: icon.contentType,
            data: icon.data.toString('base64'),
            fetchedAt: new Date(),
          },
          ['appId'],
        );
        result.downloaded.push(app.id);
      } catch (error) {
        if (!(error instanceof AppIconRefused)) throw error;
        // An icon from the previous URL would be another picture than the definition names now.
        if (stored.has(app.id)) await this.icons.delete({ appId: app.id });
        result.failed.push({ appId: app.id, reason: error.message });
        log(`Icon of ${app.id} (${url}) not stored: ${error.message}; the console shows a placeholder`);
      }
    }
    log(
      `Icons: downloaded ${result.downloaded.length}, unchanged ${result.unchanged}, without an icon ${result.failed.length}`,
    );
    return result;
  }
}
