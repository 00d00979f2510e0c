import type { SignedIn } from '@tomo/identity';
import { SESSION_COOKIE } from '@tomo/shared';
import { isHttps, type TomoGraphqlContext } from './request-context';

/** Gives the console its session as an httpOnly, SameSite=Strict cookie (Secure over HTTPS). */
export function setSessionCookie(ctx: TomoGraphqlContext, signedIn: SignedIn): void {
  ctx.res?.cookie(SESSION_COOKIE, signedIn.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(ctx),
    path: '/',
    expires: signedIn.expiresAt,
  });
}

export function clearSessionCookie(ctx: TomoGraphqlContext): void {
  ctx.res?.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: isHttps(ctx), path: '/' });
}
