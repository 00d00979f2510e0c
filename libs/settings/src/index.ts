export * from './lib/setting.entity';
export * from './lib/settings.module';
export * from './lib/settings.service';
export * from './lib/system-settings';
