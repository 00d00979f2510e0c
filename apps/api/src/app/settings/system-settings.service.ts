import { Injectable } from '@nestjs/common';
import { SchedulesService } from '@tomo/schedules';
import { SettingsService, type SystemSettings } from '@tomo/settings';

export interface ScheduleIntervalView {
  name: string;
  everySeconds: number;
}

export type SystemSettingsView = SystemSettings & { schedules: ScheduleIntervalView[] };

/** A change through either door: any settings, plus new intervals of some schedules. */
export type SystemSettingsUpdate = Partial<Record<keyof SystemSettings, unknown>> & {
  schedules?: readonly ScheduleIntervalView[] | null;
};

/**
 * The settings as both doors (GraphQL `settings`, MCP `get_settings`) show them: the stored
 * system settings and the schedules' intervals, which keep their one home in the schedule
 * table (SchedulesService reads and writes them).
 */
@Injectable()
export class SystemSettingsService {
  constructor(
    private readonly settings: SettingsService,
    private readonly schedules: SchedulesService,
  ) {}

  async get(): Promise<SystemSettingsView> {
    const [settings, schedules] = await Promise.all([this.settings.get(), this.schedules.list()]);
    return { ...settings, schedules: schedules.map(({ name, everySeconds }) => ({ name, everySeconds })) };
  }

  /** Checks every interval before anything is stored, then the settings (validated as a whole), then the intervals. */
  async update(change: SystemSettingsUpdate, updatedBy: string): Promise<SystemSettingsView> {
    const { schedules, ...rest } = change;
    for (const schedule of schedules ?? []) this.schedules.assertInterval(schedule.name, schedule.everySeconds);
    // GraphQL gives null for a field left out.
    const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== null && value !== undefined));
    await this.settings.update(given, updatedBy);
    for (const schedule of schedules ?? []) await this.schedules.setInterval(schedule.name, schedule.everySeconds);
    return this.get();
  }
}
