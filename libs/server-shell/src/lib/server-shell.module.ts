import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServerCommands, ServerEntity, ServersModule } from '@tomo/servers';
import { SshModule } from '@tomo/ssh';
import { ServerShell } from './server-shell';

/**
 * The worker's side of servers: ServersModule plus ServerShell as the process's ServerCommands,
 * on the process's SSH connection pool (SshModule.forRoot). Global because the servers and
 * deployments workflows, registered in every process, inject ServerCommands optionally (the
 * API has none). Import once, in the worker or a test's in-process worker.
 */
@Global()
@Module({
  imports: [ServersModule, TypeOrmModule.forFeature([ServerEntity]), SshModule.forRoot()],
  providers: [ServerShell, { provide: ServerCommands, useExisting: ServerShell }],
  exports: [ServersModule, ServerCommands],
})
export class ServerShellModule {}
