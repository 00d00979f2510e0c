import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, Injectable, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import {
  NotificationsModule,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhook,
} from '@tomo/notifications';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import {
  errorCodes,
  firstResult,
  gql,
  setupAdmin,
  signInNewUser,
  startTestApi,
  TEST_REDIS_URL,
  type TestApi,
  waitFor,
  wsClient,
} from '@tomo/testing';
import {
  DefinesWorkflows,
  defineWorkflow,
  JobsService,
  type WorkflowSource,
  WorkflowsModule,
  WorkflowWorkerModule,
} from '@tomo/workflows';
import { AppModule } from '../app.module';

const ADMIN = {
  username: 'admin',
  password: 'notifications reach the people on call',
};
const VIEWER = {
  username: 'vera',
  password: 'reads the notifications and nothing else',
};
const FAILING_KIND = 'test.always-fails';
const SMTP_USER = {
  username: 'tomo-mailer',
  password: 'smtp password never shown anywhere',
};

/** The receiver a user would write: verify the signature, refuse stale timestamps and replays. */
class WebhookReceiver {
  readonly accepted: Array<Record<string, unknown>> = [];
  readonly rejected: string[] = [];
  readonly requests: Array<{ headers: Record<string, string>; body: string }> = [];
  private readonly seen = new Set<string>();
  private server: Server | null = null;
  secret = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req).then((status) => res.writeHead(status).end()));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/tomo`;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const timestamp = req.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined;
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
    this.requests.push({
      headers: {
        [TIMESTAMP_HEADER]: timestamp ?? '',
        [SIGNATURE_HEADER]: signature ?? '',
      },
      body,
    });
    const verdict = verifyWebhook(this.secret, { timestamp, signature }, body);
    if (!verdict.ok) {
      this.rejected.push(verdict.reason);
      return 401;
    }
    if (this.seen.has(signature ?? '')) {
      this.rejected.push('replay');
      return 409;
    }
    this.seen.add(signature ?? '');
    this.accepted.push(JSON.parse(body) as Record<string, unknown>);
    return 204;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

@DefinesWorkflows()
@Injectable()
class FailingWorkflow implements WorkflowSource {
  workflows() {
    const workflow = defineWorkflow({ kind: FAILING_KIND });
    workflow.step('prepare', { run: async () => ({ ready: true }) });
    workflow.step('explode', {
      run: async () => {
        throw new TomoException(ErrorCode.BadUserInput, 'the test asked for a failure');
      },
    });
    return [workflow];
  }
}

/** A worker on the test API's database and Redis prefix: the delivery workflow plus one that always fails. */
function notificationsWorker(api: TestApi): DynamicModule {
  const config = loadWorkerConfig(
    {
      DATA_DIR: api.config.dataDir,
      REDIS_URL: TEST_REDIS_URL,
      TOMO_REDIS_PREFIX: api.config.redisPrefix,
      LOG_LEVEL: 'silent',
    },
    false,
  );
  @Module({
    imports: [
      WorkflowsModule,
      WorkflowWorkerModule.forRoot({
        kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, JobKind.NotificationDeliver, FAILING_KIND],
      }),
    ],
    providers: [FailingWorkflow],
  })
  class FailingWorkflowModule {}
  @Module({})
  class NotificationsWorkerModule {}
  return {
    module: NotificationsWorkerModule,
    imports: [
      TomoConfigModule.forRoot(config),
      DatabaseModule.forRoot(),
      RedisModule.forRoot('notifications-test-worker'),
      SecretsModule,
      FailingWorkflowModule,
      NotificationsModule,
    ],
  };
}

describe('notifications', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let adminToken: string;
  let viewerToken: string;
  const receiver = new WebhookReceiver();
  const mails: Array<{
    from: string;
    to: string[];
    user: string | undefined;
    text: string;
  }> = [];
  let smtp: SMTPServer;
  let smtpPort: number;

  const admin = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) =>
    gql<T>(api.graphqlUrl, query, variables, adminToken);
  const jobStatus = async (id: string) =>
    (
      await admin<{
        job: {
          status: string;
          steps: Array<{ name: string; attempts: number }>;
        };
      }>(`{ job(id: "${id}") { status steps { name attempts } } }`)
    ).data?.job;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    adminToken = await setupAdmin(api, ADMIN);
    viewerToken = await signInNewUser(api, adminToken, { ...VIEWER, role: 'VIEWER' });
    worker = await NestFactory.createApplicationContext(notificationsWorker(api), { abortOnError: false });
    await worker.init();

    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      onAuth: (auth, _session, callback) =>
        auth.username === SMTP_USER.username && auth.password === SMTP_USER.password
          ? callback(null, { user: auth.username })
          : callback(new Error('Invalid username or password')),
      onData: (stream, session, callback) => {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            text,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await receiver.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('lets only admins manage channels and names a bad field', async () => {
    const input = {
      name: 'ops hook',
      kind: 'WEBHOOK',
      events: ['JOB_FAILED'],
      url: 'http://127.0.0.1:1/x',
    };
    const refused = await gql(
      api.graphqlUrl,
      'mutation($input: AddNotificationChannelInput!) { addNotificationChannel(input: $input) { secret } }',
      { input },
      viewerToken,
    );
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    const bad = await admin(
      'mutation($input: AddNotificationChannelInput!) { addNotificationChannel(input: $input) { secret } }',
      {
        input: { ...input, url: 'ftp://example' },
      },
    );
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.message).toContain('url must be an http:// or https:// URL');
    const mixed = await admin(
      'mutation($input: AddNotificationChannelInput!) { addNotificationChannel(input: $input) { secret } }',
      {
        input: { ...input, smtpHost: 'mail.example' },
      },
    );
    expect(mixed.errors?.[0]?.message).toContain('smtpHost does not apply to a WEBHOOK channel');
    const channels = await admin<{ notificationChannels: unknown[] }>('{ notificationChannels { id } }');
    expect(channels.data?.notificationChannels).toEqual([]);
  });

  it('delivers a failed job as a signed webhook, an email and in-app; the receiver rejects a replay', async () => {
    const url = await receiver.start();
    const hook = await admin<{
      addNotificationChannel: {
        channel: { id: string; url: string };
        secret: string;
      };
    }>(
      'mutation($input: AddNotificationChannelInput!) { addNotificationChannel(input: $input) { channel { id url } secret } }',
      {
        input: {
          name: 'on-call hook',
          kind: 'WEBHOOK',
          events: ['JOB_FAILED', 'SERVER_OFFLINE'],
          url,
        },
      },
    );
    expect(hook.errors).toBeUndefined();
    receiver.secret = hook.data?.addNotificationChannel.secret ?? '';
    expect(receiver.secret).toMatch(/^whsec_/);
    const mail = await admin<{
      addNotificationChannel: { channel: { id: string; smtpPort: number } };
    }>(
      'mutation($input: AddNotificationChannelInput!) { addNotificationChannel(input: $input) { channel { id smtpPort } secret } }',
      {
        input: {
          name: 'on-call mail',
          kind: 'EMAIL',
          events: ['JOB_FAILED'],
          emailTo: 'oncall@example.test, boss@example.test',
          emailFrom: 'tomo@example.test',
          smtpHost: '127.0.0.1',
          smtpPort,
          smtpSecurity: 'NONE',
          smtpUsername: SMTP_USER.username,
          smtpPassword: SMTP_USER.password,
        },
      },
    );
    expect(mail.errors).toBeUndefined();

    // Secrets are stored encrypted and never come back.
    const rows = await api.app
      .get(DataSource)
      .query('SELECT "secretCiphertext", "smtpPasswordCiphertext" FROM notification_channel');
    expect(JSON.stringify(rows)).not.toContain(receiver.secret);
    expect(JSON.stringify(rows)).not.toContain(SMTP_USER.password);

    const viewerWs = wsClient(api.wsUrl, viewerToken);
    const live = firstResult<{
      notificationAdded: {
        event: string;
        message: string;
        read: boolean;
        jobId: string;
      };
    }>(viewerWs, 'subscription { notificationAdded { event message read jobId } }', {}, 30_000);
    // The subscription listens once its first message could arrive; give the socket a moment to subscribe.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const failing = await api.app.get(JobsService).create(FAILING_KIND, {}, { requestedBy: 'test' });
    const pushed = await live;
    await viewerWs.dispose();
    expect(pushed.data?.notificationAdded).toMatchObject({
      event: 'JOB_FAILED',
      read: false,
      jobId: failing.id,
    });
    expect(pushed.data?.notificationAdded.message).toContain('failed at step "explode": the test asked for a failure');

    await waitFor(() => receiver.accepted.length === 1, 'the webhook', 30_000);
    expect(receiver.accepted[0]).toMatchObject({
      event: 'JOB_FAILED',
      job: { id: failing.id, kind: FAILING_KIND, step: 'explode' },
    });
    expect(receiver.rejected).toEqual([]);

    // The same request again (a replay) and a correctly signed one with an old timestamp are refused.
    const original = receiver.requests[0];
    const replay = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...original.headers },
      body: original.body,
    });
    expect(replay.status).toBe(409);
    const old = Math.floor(Date.now() / 1000) - 600;
    const stale = await fetch(url, {
      method: 'POST',
      headers: {
        [TIMESTAMP_HEADER]: String(old),
        [SIGNATURE_HEADER]: signWebhook(receiver.secret, old, original.body),
      },
      body: original.body,
    });
    expect(stale.status).toBe(401);
    expect(receiver.rejected).toEqual(['replay', 'stale-timestamp']);

    await waitFor(() => mails.length === 1, 'the email', 30_000);
    expect(mails[0]).toMatchObject({
      from: 'tomo@example.test',
      to: ['oncall@example.test', 'boss@example.test'],
      user: SMTP_USER.username,
    });
    expect(mails[0].text).toContain('JOB_FAILED');
    expect(mails[0].text).toContain('explode');

    // Each delivery is a job of its own on the timeline.
    const deliveries = await admin<{
      jobs: { edges: Array<{ node: { status: string } }> };
    }>('{ jobs(filter: { kind: "notification.deliver" }) { edges { node { status } } } }');
    expect(deliveries.data?.jobs.edges.map((e) => e.node.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('lists notifications per user with read marks', async () => {
    const list = (token: string, unreadOnly: boolean) =>
      gql<{
        notifications: {
          edges: Array<{ node: { id: string; event: string; read: boolean } }>;
          pageInfo: { hasNextPage: boolean };
        };
      }>(
        api.graphqlUrl,
        `{ notifications(first: 10, unreadOnly: ${unreadOnly}) { edges { node { id event read } } pageInfo { hasNextPage } } }`,
        {},
        token,
      );
    const unread = await list(viewerToken, true);
    expect(unread.data?.notifications.edges.map((e) => e.node.event)).toEqual(['JOB_FAILED']);
    const id = unread.data?.notifications.edges[0]?.node.id ?? '';
    const marked = await gql<{ markNotificationsRead: number }>(
      api.graphqlUrl,
      'mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }',
      { ids: [id] },
      viewerToken,
    );
    expect(marked.data?.markNotificationsRead).toBe(1);
    expect((await list(viewerToken, true)).data?.notifications.edges).toEqual([]);
    expect((await list(viewerToken, false)).data?.notifications.edges[0]?.node).toMatchObject({ id, read: true });
    // Read marks are per user: the admin has not read it.
    expect((await list(adminToken, true)).data?.notifications.edges.map((e) => e.node.id)).toEqual([id]);
    const unknown = await gql(api.graphqlUrl, 'mutation { markNotificationsRead(ids: ["nope"]) }', {}, viewerToken);
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });

  it('tests a channel as a job and reports a receiver that refuses as FAILED', async () => {
    const channels = await admin<{
      notificationChannels: Array<{ id: string; name: string }>;
    }>('{ notificationChannels { id name } }');
    const hook = channels.data?.notificationChannels.find((c) => c.name === 'on-call hook');
    const ok = await admin<{ testNotificationChannel: { id: string } }>(
      `mutation { testNotificationChannel(id: "${hook?.id}") { id } }`,
    );
    await waitFor(
      async () => (await jobStatus(ok.data?.testNotificationChannel.id ?? ''))?.status === 'SUCCEEDED',
      'the test delivery',
      30_000,
    );
    expect(receiver.accepted.at(-1)).toMatchObject({
      event: 'TEST',
      message: 'Test message for channel "on-call hook"',
    });

    // A receiver that answers 401 (another secret) is a permanent failure: no retries.
    receiver.secret = 'rotated on the receiver side';
    const refused = await admin<{ testNotificationChannel: { id: string } }>(
      `mutation { testNotificationChannel(id: "${hook?.id}") { id } }`,
    );
    const job = await waitFor(
      async () => {
        const current = await jobStatus(refused.data?.testNotificationChannel.id ?? '');
        return current?.status === 'FAILED' && current;
      },
      'the refused test delivery',
      30_000,
    );
    expect(job.steps).toEqual([{ name: 'send', attempts: 1 }]);
    // A failed delivery does not notify about itself.
    const failures = await admin<{ notifications: { edges: unknown[] } }>(
      '{ notifications(first: 50) { edges { cursor } } }',
    );
    expect(failures.data?.notifications.edges).toHaveLength(1);
  });
});
