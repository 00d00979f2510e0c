import { Args, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '@tomo/identity';
import {
  encodeNotificationCursor,
  type NotificationChannelEntity,
  NotificationsService,
  type NotificationView,
} from '@tomo/notifications';
import { Role } from '@tomo/shared';
import type { JobRow } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Job } from '../jobs/job.types';
import {
  AddNotificationChannelInput,
  CreatedNotificationChannel,
  Notification,
  NotificationChannel,
  NotificationConnection,
  UpdateNotificationChannelInput,
} from './notification.types';

/** Notifications over GraphQL: a thin door to NotificationsService. Channels are settings: admins only. */
@Resolver(() => Notification)
export class NotificationsResolver {
  constructor(private readonly service: NotificationsService) {}

  @Roles(Role.Admin)
  @Query(() => [NotificationChannel])
  notificationChannels(): Promise<NotificationChannelEntity[]> {
    return this.service.channels();
  }

  @Roles(Role.Admin)
  @Mutation(() => CreatedNotificationChannel, {
    description: "A webhook's signing secret is in the result, this once.",
  })
  addNotificationChannel(@Args('input') input: AddNotificationChannelInput): Promise<CreatedNotificationChannel> {
    return this.service.addChannel(input);
  }

  @Roles(Role.Admin)
  @Mutation(() => NotificationChannel)
  updateNotificationChannel(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateNotificationChannelInput,
  ): Promise<NotificationChannelEntity> {
    return this.service.updateChannel(id, input);
  }

  @Roles(Role.Admin)
  @Mutation(() => NotificationChannel, {
    description: 'The channel as it was; queued deliveries to it fail.',
  })
  removeNotificationChannel(@Args('id', { type: () => ID }) id: string): Promise<NotificationChannelEntity> {
    return this.service.removeChannel(id);
  }

  @Roles(Role.Admin)
  @Mutation(() => Job, {
    description:
      'Sends a test message through the channel as a notification.deliver job; its outcome is the test result.',
  })
  testNotificationChannel(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.service.testChannel(id, principal.username);
  }

  @Roles(Role.Viewer)
  @Query(() => NotificationConnection, {
    description: 'Notifications your role may see, newest first, with your read marks.',
  })
  async notifications(
    @CurrentPrincipal() principal: Principal,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 20 })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('unreadOnly', {
      type: () => Boolean,
      nullable: true,
      defaultValue: false,
    })
    unreadOnly: boolean,
  ): Promise<NotificationConnection> {
    const page = await this.service.list(principal, first, after, unreadOnly);
    return {
      edges: page.items.map((node) => ({
        cursor: encodeNotificationCursor(node),
        node,
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @Roles(Role.Viewer)
  @Mutation(() => Int, {
    description: 'Marks notifications read for you; returns how many were unread.',
  })
  markNotificationsRead(
    @CurrentPrincipal() principal: Principal,
    @Args('ids', { type: () => [ID] }) ids: string[],
  ): Promise<number> {
    return this.service.markRead(principal, ids);
  }

  @Roles(Role.Viewer)
  @Subscription(() => Notification, {
    description: 'New notifications your role may see.',
    resolve: (n: NotificationView) => n,
  })
  notificationAdded(@CurrentPrincipal() principal: Principal): Promise<AsyncIterableIterator<NotificationView>> {
    return this.service.added(principal.role);
  }
}
