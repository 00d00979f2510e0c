import { type DynamicModule, Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { SshConnectionPool, type SshPoolOptions } from './ssh-connection-pool';

/**
 * Optional Nest wiring for the worker: one SshConnectionPool for the process (inject the
 * class), closed at shutdown. The pool itself has no Nest dependency.
 */
@Global()
@Module({})
export class SshModule implements OnApplicationShutdown {
  constructor(private readonly pool: SshConnectionPool) {}

  static forRoot(options: Omit<SshPoolOptions, 'log'> = {}): DynamicModule {
    const logger = new Logger('SshConnectionPool');
    return {
      module: SshModule,
      providers: [
        {
          provide: SshConnectionPool,
          useFactory: () =>
            new SshConnectionPool({
              ...options,
              log: (message) => logger.debug(message),
            }),
        },
      ],
      exports: [SshConnectionPool],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}
