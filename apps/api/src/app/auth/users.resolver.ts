import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UsersService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Roles } from './access.decorator';
import { AuditTarget } from './audit.interceptor';
import { CreateUserInput, UpdateUserInput, UserModel } from './auth.types';

@Resolver(() => UserModel)
export class UsersResolver {
  constructor(private readonly usersService: UsersService) {}

  @Roles(Role.Admin)
  @Query(() => [UserModel])
  async users(): Promise<UserModel[]> {
    return (await this.usersService.list()).map((user) => UserModel.of(user));
  }

  @Roles(Role.Admin)
  @AuditTarget('user')
  @Mutation(() => UserModel)
  async createUser(@Args('input') input: CreateUserInput): Promise<UserModel> {
    return UserModel.of(await this.usersService.create(input));
  }

  @Roles(Role.Admin)
  @AuditTarget('user')
  @Mutation(() => UserModel, {
    description: "Role, disabled flag, or a password reset (which ends the user's sessions).",
  })
  async updateUser(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateUserInput,
  ): Promise<UserModel> {
    return UserModel.of(await this.usersService.update(id, input));
  }
}
