import { type DynamicModule, Module } from '@nestjs/common';
import { Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { ApiConfig } from '@tomo/config';
import { Role } from '@tomo/shared';
import { AppModule } from '../app.module';
import { Roles } from './access.decorator';

/**
 * Test-only operations, one per access level, for the role-matrix and deny-by-default tests
 * (the real OPERATOR operations arrive with the servers and jobs modules).
 */
@Resolver()
export class RoleProbeResolver {
  @Roles(Role.Operator)
  @Mutation(() => Boolean)
  probeOperatorAction(): boolean {
    return true;
  }

  @Roles(Role.Viewer)
  @Subscription(() => String)
  async *probeTicks(): AsyncGenerator<{ probeTicks: string }> {
    yield { probeTicks: 'tick' };
  }

  // Deliberately without @Roles/@Public: the AuthGuard must refuse it.
  @Query(() => Boolean)
  probeUndeclared(): boolean {
    return true;
  }
}

@Module({ providers: [RoleProbeResolver] })
class RoleProbeModule {}

/** AppModule plus the probe operations. */
export function appWithRoleProbe(config: ApiConfig): DynamicModule {
  return { module: RoleProbeModule, imports: [AppModule.forRoot(config)], providers: [RoleProbeResolver] };
}
