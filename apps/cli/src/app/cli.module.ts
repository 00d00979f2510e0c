import { type DynamicModule, Module } from '@nestjs/common';
import { type CommonConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { IdentityModule } from '@tomo/identity';
import { SecretsModule } from '@tomo/secrets';

/** What the commands need: the database, identity and the secret box. No Redis, no HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: CommonConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [TomoConfigModule.forRoot(config), DatabaseModule.forRoot(), SecretsModule, IdentityModule],
    };
  }
}
