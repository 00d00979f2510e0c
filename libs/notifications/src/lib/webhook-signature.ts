import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Tomo-Timestamp';
export const SIGNATURE_HEADER = 'X-Tomo-Signature';
/** Receivers reject a request whose timestamp is older (or further ahead) than this: a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` (CONTRACT.md, Notifications). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type WebhookVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: 'bad-signature' | 'stale-timestamp' | 'missing-headers';
    };

/**
 * What a receiver does (README "Operate" shows the same in a few lines): recompute the
 * signature over the raw body, compare in constant time, refuse timestamps outside the window.
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): WebhookVerdict {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad-signature' };
  if (Math.abs(nowSeconds - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS)
    return { ok: false, reason: 'stale-timestamp' };
  return { ok: true };
}
