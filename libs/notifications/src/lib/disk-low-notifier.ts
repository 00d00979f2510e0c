import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { type MetricValues, ServerMetricsStore, ServersService } from '@tomo/servers';
import { SettingsService } from '@tomo/settings';
import { NotificationEvent } from '@tomo/shared';
import { NotificationEntity } from './entities';
import { NotificationsService } from './notifications.service';

/** A disk that stays low is reported again after this long (not at every sample, once a minute). */
export const DISK_LOW_REPEAT_MS = 24 * 60 * 60_000;

/** DISK_LOW: a server's root disk sampled above the diskLowPercent setting (read at each sample). */
@Injectable()
export class DiskLowNotifier implements OnModuleInit {
  private readonly logger = new Logger(DiskLowNotifier.name);

  constructor(
    private readonly metrics: ServerMetricsStore,
    private readonly servers: ServersService,
    private readonly settings: SettingsService,
    private readonly notifications: NotificationsService,
    @InjectRepository(NotificationEntity)
    private readonly sent: Repository<NotificationEntity>,
  ) {}

  onModuleInit(): void {
    this.metrics.onSample((serverId, values) =>
      this.check(serverId, values).catch((error: unknown) =>
        this.logger.warn(`Could not check the disk of server ${serverId}: ${String(error)}`),
      ),
    );
  }

  private async check(serverId: string, { diskUsedBytes, diskTotalBytes }: MetricValues): Promise<void> {
    if (diskUsedBytes === null || !diskTotalBytes) return;
    const usedPercent = Math.round((diskUsedBytes / diskTotalBytes) * 100);
    const thresholdPercent = await this.settings.value('diskLowPercent');
    if (usedPercent <= thresholdPercent) return;
    const since = new Date(Date.now() - DISK_LOW_REPEAT_MS);
    if (
      await this.sent.existsBy({
        event: NotificationEvent.DiskLow,
        serverId,
        createdAt: MoreThan(since),
      })
    )
      return;
    const server = await this.servers.get(serverId);
    await this.notifications.emit(NotificationEvent.DiskLow, {
      message: `Server ${server.name}: disk ${usedPercent}% used (above ${thresholdPercent}%)`,
      serverId,
      details: {
        serverName: server.name,
        usedPercent: String(usedPercent),
        thresholdPercent: String(thresholdPercent),
      },
    });
  }
}
