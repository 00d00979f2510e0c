import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import {
  type ServerEntity,
  ServersModule,
  ServersService,
  ServerStatus,
} from '@tomo/servers';
import { NotificationEvent } from '@tomo/shared';
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
          this.logger.warn(
            `Could not notify ${event} for server ${server.id}: ${String(error)}`,
          ),
        );
    });
  }
}

function eventOf(
  status: ServerEntity['status'],
  previous: ServerStatus,
):
  | NotificationEvent.ServerOffline
  | NotificationEvent.ServerOnline
  | NotificationEvent.HostKeyMismatch
  | null {
  if (status === ServerStatus.Offline) return NotificationEvent.ServerOffline;
  if (status === ServerStatus.HostKeyMismatch)
    return NotificationEvent.HostKeyMismatch;
  if (status === ServerStatus.Online && previous === ServerStatus.Offline)
    return NotificationEvent.ServerOnline;
  return null;
}

/** Server status notifications; imported by the worker, where connection tests and metrics record status. */
@Module({
  imports: [ServersModule, NotificationsModule],
  providers: [ServerStatusNotifier],
})
export class ServerNotificationsModule {}
