import { auditCursor, redactForAudit } from './audit.service';

describe('redactForAudit', () => {
  it('removes secret-looking fields at any depth and keeps the rest', () => {
    expect(
      redactForAudit({
        input: { username: 'alice', password: 'hunter2hunter2', role: 'ADMIN' },
        server: { host: 'h', privateKey: 'KEY', passphrase: 'p', nested: { apiToken: 'tomo_x' } },
        id: 'abc',
      }),
    ).toEqual({
      input: { username: 'alice', password: '[redacted]', role: 'ADMIN' },
      server: { host: 'h', privateKey: '[redacted]', passphrase: '[redacted]', nested: { apiToken: '[redacted]' } },
      id: 'abc',
    });
  });

  it('redacts the value of a secret-named {name, value} pair (env variables) at any depth, by its name', () => {
    const env = [
      { name: 'WEBPASSWORD', value: 'pi-hole s3cret' },
      { name: 'API_KEY', value: 'k3y' },
      { name: 'TZ', value: 'Europe/Paris' },
    ];
    const redactedEnv = [
      { name: 'WEBPASSWORD', value: '[redacted]' },
      { name: 'API_KEY', value: '[redacted]' },
      { name: 'TZ', value: 'Europe/Paris' },
    ];
    expect(redactForAudit({ env })).toEqual({ env: redactedEnv });
    expect(redactForAudit({ input: { config: { env } } })).toEqual({ input: { config: { env: redactedEnv } } });
  });

  it('cuts long strings and bounds depth', () => {
    expect((redactForAudit('x'.repeat(500)) as string).length).toBe(201);
    expect(redactForAudit({ a: { b: { c: { d: { e: { f: { g: 1 } } } } } } })).toEqual({
      a: { b: { c: { d: { e: { f: '[…]' } } } } },
    });
  });

  it('makes opaque cursors', () => {
    expect(auditCursor(42)).toBe(Buffer.from('audit:42').toString('base64url'));
  });
});
