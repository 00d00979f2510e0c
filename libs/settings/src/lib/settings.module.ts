import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingEntity, UserPreferenceEntity } from './setting.entity';
import { SettingsService } from './settings.service';

/** System settings and user preferences; import it wherever a setting applies (API and worker). */
@Module({
  imports: [TypeOrmModule.forFeature([SettingEntity, UserPreferenceEntity])],
  providers: [SettingsService],
  exports: [SettingsService],
})
export class SettingsModule {}
