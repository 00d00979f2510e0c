import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { AuditActor, ClientInfo, Principal } from '@tomo/identity';
import { CSRF_HEADER, SESSION_COOKIE } from '@tomo/shared';
import { recordedClientAddress } from './client-address';

/** The GraphQL context: an HTTP request (with its response) or a graphql-ws connection. */
export interface TomoGraphqlContext {
  /** An Express request over HTTP; the upgrade request of a graphql-ws connection. */
  req: IncomingMessage & { secure?: boolean };
  res?: Response;
  connectionParams?: Record<string, unknown>;
  principal?: Principal;
  /** Set by login and setupAdmin, whose caller becomes known only once they succeed. */
  auditActor?: AuditActor;
}

/** Builds TomoGraphqlContext for both transports (GraphQLModule `context`). */
export function graphqlContext(arg: {
  req?: Request;
  res?: Response;
  connectionParams?: Record<string, unknown>;
  extra?: { request: IncomingMessage };
}): TomoGraphqlContext {
  if (arg.extra?.request) {
    return { req: arg.extra.request, connectionParams: arg.connectionParams ?? {} };
  }
  return { req: arg.req as Request, res: arg.res };
}

/** Where the principal and request live for this call, whichever door it came through. */
export function callContext(context: ExecutionContext): TomoGraphqlContext {
  if (context.getType<GqlContextType>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<TomoGraphqlContext>();
  }
  const http = context.switchToHttp();
  const req = http.getRequest<Request & { tomoContext?: TomoGraphqlContext }>();
  req.tomoContext ??= { req, res: http.getResponse<Response>() };
  return req.tomoContext;
}

export interface PresentedCredential {
  credential: string;
  /** `websocket-cookie`: the console cookie on a graphql-ws upgrade request (no CSRF header possible there). */
  source: 'bearer' | 'cookie' | 'connection-params' | 'websocket-cookie';
}

/**
 * The credential the caller presented: a bearer header or the console cookie over HTTP;
 * connectionParams.authorization, else the console cookie, on a graphql-ws connection.
 */
export function presentedCredential(ctx: TomoGraphqlContext): PresentedCredential | null {
  const cookie = readCookie(ctx.req.headers.cookie, SESSION_COOKIE);
  if (ctx.connectionParams) {
    const value = ctx.connectionParams['authorization'] ?? ctx.connectionParams['Authorization'];
    const bearer = typeof value === 'string' ? parseBearer(value) : null;
    if (bearer) return { credential: bearer, source: 'connection-params' };
    return cookie ? { credential: cookie, source: 'websocket-cookie' } : null;
  }
  const header = ctx.req.headers.authorization;
  const bearer = header ? parseBearer(header) : null;
  if (bearer) return { credential: bearer, source: 'bearer' };
  return cookie ? { credential: cookie, source: 'cookie' } : null;
}

export function hasCsrfHeader(ctx: TomoGraphqlContext): boolean {
  const value = ctx.req.headers[CSRF_HEADER];
  return typeof value === 'string' && value.length > 0;
}

/**
 * Whether the request's `Origin` names this API's own host as the browser addressed it: `Host`,
 * or `X-Forwarded-Host` from a reverse proxy. Browsers always send Origin on a WebSocket
 * handshake and a page can set neither it nor those headers, so this refuses cross-site
 * WebSocket hijacking: another site's page opening a socket that carries the user's cookie.
 * Clients without an Origin (scripts) authenticate by connectionParams.
 */
export function isSameOrigin(ctx: TomoGraphqlContext): boolean {
  const origin = ctx.req.headers.origin;
  if (!origin) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = ctx.req.headers['x-forwarded-host'];
  const hosts = [ctx.req.headers.host, ...(typeof forwarded === 'string' ? [forwarded.split(',')[0]] : [])];
  return hosts.some((host) => host?.trim().toLowerCase() === originHost);
}

export function clientInfo(ctx: TomoGraphqlContext): ClientInfo {
  const agent = ctx.req.headers['user-agent'];
  return {
    // The socket's peer, or the client behind a TRUSTED_PROXIES proxy (client-address.ts).
    ip: recordedClientAddress(ctx.req),
    userAgent: typeof agent === 'string' ? agent : null,
  };
}

/** Whether the request reached us over HTTPS (directly or through a proxy that says so). */
export function isHttps(ctx: TomoGraphqlContext): boolean {
  return Boolean(ctx.req.secure) || ctx.req.headers['x-forwarded-proto'] === 'https';
}

function parseBearer(value: string): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1] : null;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
