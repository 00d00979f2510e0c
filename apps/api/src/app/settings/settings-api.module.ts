import { Module } from '@nestjs/common';
import { SettingsModule } from '@tomo/settings';
import { SettingsResolver } from './settings.resolver';
import { SystemSettingsService } from './system-settings.service';

/** The GraphQL door to settings and preferences; SystemSettingsService is shared with the MCP door. */
@Module({
  imports: [SettingsModule],
  providers: [SettingsResolver, SystemSettingsService],
  exports: [SystemSettingsService, SettingsModule],
})
export class SettingsApiModule {}
