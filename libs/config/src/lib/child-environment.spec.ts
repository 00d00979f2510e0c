import { childEnvironment } from './child-environment';

describe('childEnvironment', () => {
  it('keeps what tools need and drops secrets and database/Redis credentials', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/home/tomo',
      SSH_AUTH_SOCK: '/run/agent.sock',
      LANG: 'C.UTF-8',
      TOMO_MASTER_KEY: 'a master key of sixteen',
      TOMO_MASTER_KEY_PREVIOUS: 'the previous master key',
      DATABASE_URL: 'postgres://tomo:pw@db/tomo',
      REDIS_URL: 'redis://:pw@redis:6379',
      TOMO_API_TOKEN: 'tomo_x',
      PGPASSWORD: 'pw',
      SMTP_PASSWORD: 'pw',
      WEBHOOK_SECRET: 's',
    };
    expect(childEnvironment({ GIT_TERMINAL_PROMPT: '0' }, env)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/tomo',
      SSH_AUTH_SOCK: '/run/agent.sock',
      LANG: 'C.UTF-8',
      GIT_TERMINAL_PROMPT: '0',
    });
  });
});
