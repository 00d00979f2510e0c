import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokensService } from './api-tokens/api-tokens.service';
import { AuditService } from './audit/audit.service';
import { IDENTITY_ENTITIES } from './entities';
import { SessionsService } from './sessions/sessions.service';
import { UsersService } from './users/users.service';

/** Users, sessions, API tokens and the audit log: what both the API and the CLI use. Needs the database only. */
@Module({
  imports: [TypeOrmModule.forFeature(IDENTITY_ENTITIES)],
  providers: [UsersService, SessionsService, ApiTokensService, AuditService],
  exports: [UsersService, SessionsService, ApiTokensService, AuditService],
})
export class IdentityModule {}
