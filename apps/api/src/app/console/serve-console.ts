import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Paths the API answers itself; everything else that asks for a page gets the console (an `<img>` accepts html too). */
const API_PATHS = /^\/(graphql|mcp|health|metrics|icons)(\/|$)/;

/** Serves the built Angular console at `/`, with deep links falling back to index.html. */
export function serveConsole(app: NestExpressApplication, webDistDir: string, logger: LoggerService): void {
  const root = resolve(webDistDir);
  const indexHtml = join(root, 'index.html');
  if (!existsSync(indexHtml)) {
    logger.warn(`Console not found at ${root} (build it with "npx nx build web"); serving the API only`);
    return;
  }
  app.useStaticAssets(root, { index: 'index.html' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || API_PATHS.test(req.path) || !req.accepts('html')) return next();
    res.sendFile(indexHtml);
  });
}
