import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { SshConnectionPool } from './ssh-connection-pool';
import { SshModule } from './ssh.module';

describe('SshModule', () => {
  it('provides one pool and closes it at shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SshModule.forRoot({ maxChannelsPerConnection: 4 })],
    }).compile();
    const pool = moduleRef.get(SshConnectionPool);
    expect(pool).toBeInstanceOf(SshConnectionPool);
    const close = jest.spyOn(pool, 'close');
    await moduleRef.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
