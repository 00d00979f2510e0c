import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { AuditService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Roles } from './access.decorator';
import { AuditEntryModel, AuditLogConnectionModel } from './auth.types';

@Resolver()
export class AuditLogResolver {
  constructor(private readonly audit: AuditService) {}

  @Roles(Role.Admin)
  @Query(() => AuditLogConnectionModel, {
    description: 'State changes, newest first; optionally only those of one actor and/or one action.',
  })
  async auditLog(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
    @Args('actor', {
      type: () => String,
      nullable: true,
      description: 'Only entries of this actor name (exact: a username or token name).',
    })
    actor?: string | null,
    @Args('action', {
      type: () => String,
      nullable: true,
      description: 'Only entries of this action (exact, e.g. updateUser).',
    })
    action?: string | null,
  ): Promise<AuditLogConnectionModel> {
    const page = await this.audit.list(first, after, { actor, action });
    return {
      nodes: page.entries.map((entry) => AuditEntryModel.of(entry)),
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
    };
  }
}
