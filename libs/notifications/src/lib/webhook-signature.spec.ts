import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"event":"JOB_FAILED"}';

  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" prefixed with sha256=', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1_700_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('verifies a fresh request and rejects a changed body, another secret and a replayed timestamp', () => {
    const now = 1_700_000_000;
    const signature = signWebhook(secret, now, body);
    const headers = { timestamp: String(now), signature };
    expect(verifyWebhook(secret, headers, body, now + 10)).toEqual({
      ok: true,
    });
    expect(verifyWebhook(secret, headers, body.replace('FAILED', 'OK'), now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhook('other', headers, body, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhook(secret, headers, body, now + 301)).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
    expect(verifyWebhook(secret, { timestamp: undefined, signature }, body, now)).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
  });
});
