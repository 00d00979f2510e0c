import { Module } from '@nestjs/common';
import { RecordChangesModule } from '@tomo/redis';
import { ServersModule } from '@tomo/servers';
import { ServersResolver } from './servers.resolver';

/** The servers' GraphQL door (the domain, workflows and metrics live in @tomo/servers). */
@Module({
  imports: [ServersModule, RecordChangesModule],
  providers: [ServersResolver],
})
export class ServersApiModule {}
