import { UnrecoverableError } from 'bullmq';
import { JobKind, NotificationChannelKind, SmtpSecurity } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import { type NotificationEntity } from './entities';
import { DeliveryError, type NotificationPayload, sendEmail, sendWebhook } from './notification-senders';
import type { NotificationsService } from './notifications.service';

declare module '@tomo/workflows' {
  interface JobInputs {
    /** `notificationId: null` sends a test message (testNotificationChannel). */
    [JobKind.NotificationDeliver]: {
      channelId: string;
      notificationId: string | null;
    };
  }
}

export function payloadOf(notification: NotificationEntity): NotificationPayload {
  const { details } = notification;
  return {
    event: notification.event,
    at: notification.createdAt.toISOString(),
    message: notification.message,
    ...(notification.jobId && {
      job: {
        id: notification.jobId,
        kind: details['jobKind'],
        step: details['step'],
      },
    }),
    ...(notification.serverId && {
      server: { id: notification.serverId, name: details['serverName'] },
    }),
    ...(notification.deploymentId && {
      deployment: {
        id: notification.deploymentId,
        name: details['deploymentName'],
      },
    }),
  };
}

/**
 * Delivers one notification to one channel. Its own job, so it is on the timeline, retried with
 * backoff (receivers go down; 6 attempts over about two minutes), and never blocks another channel.
 */
export function notificationDeliveryWorkflow(notifications: NotificationsService) {
  const workflow = defineWorkflow({ kind: JobKind.NotificationDeliver });
  workflow.step('send', {
    retry: {
      maxAttempts: 6,
      initialDelayMs: 2_000,
      maxDelayMs: 60_000,
      factor: 2,
    },
    timeoutMs: 60_000,
    isTransient: (error) => (error instanceof DeliveryError ? error.transient : undefined),
    run: async (ctx) => {
      const channel = await notifications.channel(ctx.input.channelId);
      let payload: NotificationPayload;
      if (ctx.input.notificationId === null) {
        payload = {
          event: 'TEST',
          at: new Date().toISOString(),
          message: `Test message for channel "${channel.name}"`,
        };
      } else {
        const notification = await notifications.find(ctx.input.notificationId);
        if (!notification) throw new UnrecoverableError(`Notification ${ctx.input.notificationId} no longer exists`);
        payload = payloadOf(notification);
      }
      const { secret, smtpPassword } = notifications.revealSecrets(channel);
      switch (channel.kind) {
        case NotificationChannelKind.Webhook: {
          const { status } = await sendWebhook(channel.url ?? '', secret ?? '', payload, ctx.signal);
          ctx.log(`${payload.event} delivered to ${new URL(channel.url ?? '').host} (HTTP ${status})`);
          return { channel: channel.name, status };
        }
        case NotificationChannelKind.Email: {
          const { messageId } = await sendEmail(
            {
              host: channel.smtpHost ?? '',
              port: channel.smtpPort ?? 587,
              security: channel.smtpSecurity ?? SmtpSecurity.StartTls,
              username: channel.smtpUsername,
              password: smtpPassword,
              from: channel.emailFrom ?? '',
              to: channel.emailTo ?? '',
            },
            payload,
            ctx.signal,
          );
          ctx.log(`${payload.event} sent to ${channel.emailTo} (message ${messageId})`);
          return { channel: channel.name, messageId };
        }
      }
    },
  });
  return workflow;
}
