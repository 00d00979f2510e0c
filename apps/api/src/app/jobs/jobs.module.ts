import { Module } from '@nestjs/common';
import { WorkflowsModule } from '@tomo/workflows';
import { JobsResolver } from './jobs.resolver';

@Module({
  imports: [WorkflowsModule],
  providers: [JobsResolver],
})
export class JobsModule {}
