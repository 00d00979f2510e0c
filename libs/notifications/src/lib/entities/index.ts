import { NotificationChannelEntity } from './notification-channel.entity';
import { NotificationEntity, NotificationReadEntity } from './notification.entity';

export { NotificationChannelEntity } from './notification-channel.entity';
export { NotificationEntity, NotificationReadEntity } from './notification.entity';

export const NOTIFICATION_ENTITIES = [NotificationChannelEntity, NotificationEntity, NotificationReadEntity];
