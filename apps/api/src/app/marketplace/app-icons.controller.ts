import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppIconStore } from '@tomo/marketplace';
import { APP_ICONS_PATH } from '@tomo/shared';
import { Public } from '../auth/access.decorator';

/** Shown for an app without a downloaded icon: a neutral tile, so every `<img>` renders. */
const PLACEHOLDER_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48">' +
    '<rect width="48" height="48" rx="12" fill="#8a8a8a" fill-opacity="0.25"/>' +
    '<path d="M14 14h8v8h-8zm12 0h8v8h-8zM14 26h8v8h-8zm12 0h8v8h-8z" fill="#8a8a8a"/></svg>',
);

/**
 * `GET /icons/<repository>/<app>`: the app's icon as a marketplace sync downloaded it, or the
 * placeholder. Public: an `<img>` cannot send the CSRF header, and icons of catalog apps are no
 * secret. The stored bytes came from another host, so the browser is told never to sniff them
 * and never to run anything in them (an SVG opened directly runs in a sandbox without scripts).
 */
@Public()
@Controller(APP_ICONS_PATH.slice(1))
export class AppIconsController {
  constructor(private readonly icons: AppIconStore) {}

  @Get(':repo/:app')
  async icon(@Param('repo') repo: string, @Param('app') app: string, @Res() res: Response): Promise<void> {
    const icon = await this.icons.get(`${repo}/${app}`);
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      // A placeholder is replaced by the next sync's download; a stored icon changes only with its URL.
      'Cache-Control': icon ? 'public, max-age=3600' : 'no-cache',
    });
    if (!icon) {
      res.status(200).type('image/svg+xml').set('X-Tomo-Icon', 'placeholder').send(PLACEHOLDER_SVG);
      return;
    }
    res.status(200).type(icon.contentType).send(icon.data);
  }
}
