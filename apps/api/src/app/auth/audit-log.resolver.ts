import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { AuditService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Roles } from './access.decorator';
import { AuditEntryModel, AuditLogConnectionModel } from './auth.types';

@Resolver()
export class AuditLogResolver {
  constructor(private readonly audit: AuditService) {}

  @Roles(Role.Admin)
  @Query(() => AuditLogConnectionModel, { description: 'State changes, newest first.' })
  async auditLog(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<AuditLogConnectionModel> {
    const page = await this.audit.list(first, after);
    return {
      nodes: page.entries.map((entry) => AuditEntryModel.of(entry)),
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
    };
  }
}
