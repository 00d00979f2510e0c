import { Module } from '@nestjs/common';
import { DeploymentsModule } from '@tomo/deployments';
import { RecordChangesModule } from '@tomo/redis';
import { ServersModule } from '@tomo/servers';
import { WorkflowsModule } from '@tomo/workflows';
import { DeploymentsResolver } from './deployments.resolver';

/** The deployments' GraphQL door (the domain and the workflows live in @tomo/deployments). */
@Module({
  imports: [DeploymentsModule, ServersModule, WorkflowsModule, RecordChangesModule],
  providers: [DeploymentsResolver],
})
export class DeploymentsApiModule {}
