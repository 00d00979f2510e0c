import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type ServerEntity, ServersModule, ServersService, ServerStatus } from '@tomo/servers';
import { SettingsModule } from '@tomo/settings';
import { NotificationEvent } from '@tomo/shared';
import { DiskLowNotifier } from './disk-low-notifier';
import { NotificationEntity } from './entities';
import { NotificationsModule } from './notifications.module';
import { NotificationsService } from './notifications.service';

/** SERVER_OFFLINE, SERVER_ONLINE (back from OFFLINE) and HOST_KEY_MISMATCH, from the status changes ServersService records. */
@Injectable()
export class ServerStatusNotifier implements OnModuleInit {
  private readonly logger = new Logger(ServerStatusNotifier.name);

  constructor(
    private readonly servers: ServersService,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.servers.onStatusChange((server, previous) => {
      const event = eventOf(server.status, previous);
      if (!event) return;
      const why = server.statusMessage ? `: ${server.statusMessage}` : '';
      const message = {
        [NotificationEvent.ServerOffline]: `Server ${server.name} is offline${why}`,
        [NotificationEvent.ServerOnline]: `Server ${server.name} is back online`,
        [NotificationEvent.HostKeyMismatch]: `Server ${server.name} presented another host key than the pinned one; connections are refused until an admin accepts it`,
      }[event];
      this.notifications
        .emit(event, {
          message,
          serverId: server.id,
          details: { serverName: server.name },
        })
        .catch((error: unknown) =>
          this.logger.warn(`Could not notify ${event} for server ${server.id}: ${String(error)}`),
        );
    });
  }
}

function eventOf(
  status: ServerEntity['status'],
  previous: ServerStatus,
): NotificationEvent.ServerOffline | NotificationEvent.ServerOnline | NotificationEvent.HostKeyMismatch | null {
  if (status === ServerStatus.Offline) return NotificationEvent.ServerOffline;
  if (status === ServerStatus.HostKeyMismatch) return NotificationEvent.HostKeyMismatch;
  if (status === ServerStatus.Online && previous === ServerStatus.Offline) return NotificationEvent.ServerOnline;
  return null;
}

/** Server status and DISK_LOW notifications; imported by the worker, where connection tests and metrics record status and samples. */
@Module({
  imports: [ServersModule, NotificationsModule, SettingsModule, TypeOrmModule.forFeature([NotificationEntity])],
  providers: [ServerStatusNotifier, DiskLowNotifier],
})
export class ServerNotificationsModule {}
