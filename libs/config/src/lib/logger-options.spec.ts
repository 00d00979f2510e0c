import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoOptions } from './logger-options';

/** Logs through the real options into memory and returns the line pino wrote. */
function logLine(object: Record<string, unknown>): string {
  let line = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      line += chunk.toString('utf8');
      done();
    },
  });
  // pretty: false, so no transport: pino writes straight to the sink.
  pino(pinoOptions({ level: 'info', pretty: false }, 'test'), sink).info(object, 'request completed');
  return line;
}

describe('pino redaction', () => {
  it('hides credentials in a logged login request and its response', () => {
    const line = logLine({
      req: {
        method: 'POST',
        url: '/graphql',
        headers: {
          authorization: 'Bearer eyJhbGciOi.secret.jwt',
          cookie: 'tomo_session=eyJ.cookie.jwt',
          'user-agent': 'curl',
        },
      },
      res: { statusCode: 200, headers: { 'set-cookie': 'tomo_session=eyJ.new.jwt; HttpOnly' } },
      variables: { input: { username: 'admin', password: 'correct horse battery staple' } },
      result: { login: { token: 'eyJ.returned.jwt' } },
      apiToken: { token: 'tomo_abcdefghijklmnopqrstuvwxyz' },
      change: { currentPassword: 'old long passphrase', newPassword: 'new long passphrase' },
      connectionParams: { authorization: 'Bearer tomo_ws_token_value' },
    });
    for (const secret of [
      'eyJhbGciOi.secret.jwt',
      'eyJ.cookie.jwt',
      'eyJ.new.jwt',
      'correct horse battery staple',
      'eyJ.returned.jwt',
      'tomo_abcdefghijklmnopqrstuvwxyz',
      'old long passphrase',
      'new long passphrase',
      'tomo_ws_token_value',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('"username":"admin"');
    expect(line).toContain('"user-agent":"curl"');
    expect(line.match(/\[redacted\]/g)?.length).toBe(9);
  });
});
