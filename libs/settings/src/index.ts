export { SettingsModule } from './lib/settings.module';
export { SettingsService, type UserPreferences } from './lib/settings.service';
export { type SystemSettings, systemSettingsSchema } from './lib/system-settings';
