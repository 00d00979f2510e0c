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

  it('cuts long strings and bounds depth', () => {
    expect((redactForAudit('x'.repeat(500)) as string).length).toBe(201);
    expect(redactForAudit({ a: { b: { c: { d: { e: 1 } } } } })).toEqual({ a: { b: { c: { d: '[…]' } } } });
  });

  it('makes opaque cursors', () => {
    expect(auditCursor(42)).toBe(Buffer.from('audit:42').toString('base64url'));
  });
});
