import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Principal } from '@tomo/identity';
import { SettingsService, type UserPreferences } from '@tomo/settings';
import { Role } from '@tomo/shared';
import { Roles } from '../auth/access.decorator';
import { AuditTarget } from '../auth/audit.interceptor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { SystemSettingsService, type SystemSettingsView } from './system-settings.service';
import {
  SystemSettingsModel,
  UpdatePreferencesInput,
  UpdateSettingsInput,
  UserPreferencesModel,
} from './settings.types';

/** Settings over GraphQL: a thin door to SystemSettingsService and SettingsService (preferences). */
@Resolver()
export class SettingsResolver {
  constructor(
    private readonly systemSettings: SystemSettingsService,
    private readonly preferences: SettingsService,
  ) {}

  @Roles(Role.Admin)
  @Query(() => SystemSettingsModel, { description: 'The system settings now in force.' })
  settings(): Promise<SystemSettingsView> {
    return this.systemSettings.get();
  }

  @Roles(Role.Admin)
  @AuditTarget('settings')
  @Mutation(() => SystemSettingsModel, {
    description:
      'Changes system settings; BAD_USER_INPUT naming each wrong field (nothing is changed then). Applies without a restart.',
  })
  updateSettings(
    @Args('input') input: UpdateSettingsInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SystemSettingsView> {
    return this.systemSettings.update(input, principal.username);
  }

  @Roles(Role.Viewer)
  @Query(() => UserPreferencesModel, {
    description: "The signed-in user's console preferences (defaults until changed).",
  })
  myPreferences(@CurrentPrincipal() principal: Principal): Promise<UserPreferences> {
    return this.preferences.preferencesOf(principal.userId);
  }

  @Roles(Role.Viewer)
  @AuditTarget('preferences')
  @Mutation(() => UserPreferencesModel, { description: "Changes the signed-in user's console preferences." })
  updateMyPreferences(
    @Args('input') input: UpdatePreferencesInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserPreferences> {
    return this.preferences.updatePreferences(principal.userId, {
      theme: input.theme ?? undefined,
      timeFormat: input.timeFormat ?? undefined,
    });
  }
}
