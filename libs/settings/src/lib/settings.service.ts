import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { ErrorCode, Theme, TimeFormat, TomoException } from '@tomo/shared';
import { SettingEntity, UserPreferenceEntity } from './setting.entity';
import {
  defaultSystemSettings,
  parseSettingsChange,
  type SystemSettingKey,
  type SystemSettings,
  systemSettingsSchema,
} from './system-settings';

export interface UserPreferences {
  theme: Theme;
  timeFormat: TimeFormat;
}

export const DEFAULT_PREFERENCES: UserPreferences = { theme: Theme.System, timeFormat: TimeFormat.System };

/**
 * System settings and per-user preferences, in the database. Every read goes to the database
 * (one small query), so a change applies in every process — API replicas and workers — at its
 * next use, without a restart or a cache to invalidate.
 */
@Injectable()
export class SettingsService {
  private readonly logger = new Logger(SettingsService.name);
  private readonly defaults: SystemSettings;

  constructor(
    @InjectRepository(SettingEntity) private readonly settings: Repository<SettingEntity>,
    @InjectRepository(UserPreferenceEntity) private readonly preferences: Repository<UserPreferenceEntity>,
    @Inject(TOMO_CONFIG) config: CommonConfig,
  ) {
    this.defaults = defaultSystemSettings(config);
  }

  async get(): Promise<SystemSettings> {
    const current = { ...this.defaults };
    const fields = systemSettingsSchema.shape;
    for (const row of await this.settings.find()) {
      if (!(row.key in fields)) continue; // a setting a newer version wrote, or one that was removed
      const key = row.key as SystemSettingKey;
      const parsed = fields[key].safeParse(safeJson(row.value));
      if (parsed.success) Object.assign(current, { [key]: parsed.data });
      else
        this.logger.warn(
          `Stored setting ${key} is not valid any more (${parsed.error.issues[0]?.message}); using its default`,
        );
    }
    return current;
  }

  /** One setting (for the code that applies it). */
  async value<K extends SystemSettingKey>(key: K): Promise<SystemSettings[K]> {
    return (await this.get())[key];
  }

  /**
   * Validates the whole change first (BAD_USER_INPUT naming every wrong field, nothing stored),
   * then stores it in one transaction. Returns the settings now in force.
   */
  async update(change: Record<string, unknown>, updatedBy: string | null): Promise<SystemSettings> {
    const entries = Object.entries(parseSettingsChange(change)).filter(([, value]) => value !== undefined);
    if (entries.length > 0) {
      const at = new Date();
      await this.settings.manager.transaction(async (manager) => {
        for (const [key, value] of entries) {
          await manager.upsert(SettingEntity, { key, value: JSON.stringify(value), updatedAt: at, updatedBy }, ['key']);
        }
      });
    }
    return this.get();
  }

  async preferencesOf(userId: string): Promise<UserPreferences> {
    const row = await this.preferences.findOneBy({ userId });
    return row ? { theme: row.theme as Theme, timeFormat: row.timeFormat as TimeFormat } : { ...DEFAULT_PREFERENCES };
  }

  async updatePreferences(userId: string, change: Partial<UserPreferences>): Promise<UserPreferences> {
    const errors: string[] = [];
    if (change.theme != null && !Object.values(Theme).includes(change.theme))
      errors.push(`theme must be one of ${Object.values(Theme).join(', ')}`);
    if (change.timeFormat != null && !Object.values(TimeFormat).includes(change.timeFormat)) {
      errors.push(`timeFormat must be one of ${Object.values(TimeFormat).join(', ')}`);
    }
    if (errors.length > 0) throw new TomoException(ErrorCode.BadUserInput, errors.join('; '));
    const current = await this.preferencesOf(userId);
    const next: UserPreferences = {
      theme: change.theme ?? current.theme,
      timeFormat: change.timeFormat ?? current.timeFormat,
    };
    await this.preferences.upsert({ userId, ...next, updatedAt: new Date() }, ['userId']);
    return next;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
