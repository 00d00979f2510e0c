export { NotificationChannelEntity } from './lib/entities/notification-channel.entity';
export { NotificationEntity } from './lib/entities/notification.entity';
export { NotificationsModule } from './lib/notifications.module';
export { encodeNotificationCursor, NotificationsService } from './lib/notifications.service';
export { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhook } from './lib/webhook-signature';
export { ServerNotificationsModule } from './lib/server-status-notifier';
export { type NotificationView } from './lib/notification-stream';
