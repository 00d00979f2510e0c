// Longer than the house limit on purpose: one hostile-input run (GraphQL and MCP leaves, query abuse,
// hostile repositories) reads top to bottom; its reusable parts are in tools/chaos/support.
/**
 * `npm run chaos -- fuzz [--max-seconds=600] [--settle-seconds=180]`: hostile input. Every
 * argument (and input field, at any depth) of every GraphQL query and mutation, and every input
 * field of every MCP tool, gets each value of hostileValues() while the other arguments stay valid
 * and point at real records on the testbed (a server, the test app, a deployment), so that values
 * reach SSH, Docker and git; and query abuse (first): deep nesting, 1,000 aliased `login` fields, a batch
 * of operations, huge variables; and hostile marketplace repositories (YAML bombs, oversized
 * files and manifests, symlinks and manifest paths out of the repository), each added and synced.
 *
 * Needs the testbed (`npm run testbed -- up`) and the built API + worker, which the run starts
 * with its own temp SQLite and Redis prefix. Counts: 5xx answers and INTERNAL_SERVER_ERROR
 * (`serverErrors`), API or worker exits (`processExits`), a canary file that only a value run as a
 * command could create (`commandsExecuted`), and responses or logs that contain a secret
 * (`secretsEchoed`); all must be 0. One JSON line on stdout; exit 1 when a count is not 0.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type GraphQLArgument,
  type GraphQLInputType,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from 'graphql';
import { gql, gqlOk, setupAdmin, startTestApi, TEST_REDIS_URL } from '@tomo/testing';
import { AppModule } from '../../apps/api/src/app/app.module';
import { mcpClient, readTestbedState } from '../../apps/e2e/src/support/mcp-clients';
import { createTestMarketplace, testbedDocker } from '../../apps/e2e/src/support/testbed-app';
import { startTomo, type TomoStack } from '../../apps/e2e/src/support/tomo-stack';
import { ARTIFACTS_DIR } from '../../apps/e2e/src/support/workspace';
import {
  dummyGraphqlValue,
  dummyJsonValue,
  type JsonSchema,
  type KnownValues,
  operationDocument,
  type RootOperation,
  rootOperations,
} from './support/dummy-arguments';
import { hostileRepositories } from './support/hostile-repos';
import { hostileValues } from './support/hostile-values';
import { numberArg, progress as progressOf, runEnv } from './support/run-env';

const progress = progressOf('fuzz');
const MAX_SECONDS = numberArg('max-seconds', 600);
const SETTLE_SECONDS = numberArg('settle-seconds', 180);
const CONCURRENCY = 4;
const ADMIN = { username: 'chaos-admin', password: 'chaos fuzz passphrase of the admin' };
/** Removing things goes last, so that the records the other inputs point at exist while they run. */
const DESTRUCTIVE = /^(delete|remove|uninstall|revoke|update|cancel)|^(delete|remove|uninstall|update|cancel)_/;

/** One input: where the value went and how to send it. */
interface Input {
  target: string;
  send(): Promise<Answer>;
}

/** What came back, reduced to what the figures need. */
interface Answer {
  serverError: boolean;
  text: string;
  jobId?: string;
}

interface Finding {
  kind: 'serverError' | 'secretEchoed';
  target: string;
  excerpt: string;
}

/** A way to set one leaf (argument, input field or list item field) to a value, the rest valid. */
interface Leaf {
  path: string;
  build(value: unknown): unknown;
}

/** Every leaf of a GraphQL input type, plus the type itself (a whole object replaced by a wrong type). */
function graphqlLeaves(type: GraphQLInputType, path: string, values: KnownValues): Leaf[] {
  const whole: Leaf = { path, build: (value) => value };
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const item = inner.ofType as GraphQLInputType;
    return [
      whole,
      ...graphqlLeaves(item, `${path}[0]`, values).map((leaf) => ({
        path: leaf.path,
        build: (value: unknown) => [leaf.build(value)],
      })),
    ];
  }
  if (!isInputObjectType(inner)) return [whole];
  const fields = Object.values(inner.getFields());
  return [
    whole,
    ...fields.flatMap((field) =>
      graphqlLeaves(field.type, `${path}.${field.name}`, values).map((leaf) => ({
        path: leaf.path,
        build: (value: unknown) => ({
          ...(dummyGraphqlValue(inner, path, values) as object),
          [field.name]: leaf.build(value),
        }),
      })),
    ),
  ];
}

/** Every leaf of an MCP tool's JSON schema (first branch of an anyOf, as zod writes nullables). */
function jsonLeaves(schema: JsonSchema, path: string, values: KnownValues): Leaf[] {
  const whole: Leaf = { path, build: (value) => value };
  const branch = schema.anyOf?.find((option) => option.type !== 'null') ?? schema;
  if (branch.type === 'array' && branch.items) {
    return [
      whole,
      ...jsonLeaves(branch.items, `${path}[0]`, values).map((leaf) => ({
        path: leaf.path,
        build: (value: unknown) => [leaf.build(value)],
      })),
    ];
  }
  if (branch.type !== 'object' || !branch.properties) return [whole];
  return [
    whole,
    ...Object.entries(branch.properties).flatMap(([key, property]) =>
      jsonLeaves(property, `${path}.${key}`, values).map((leaf) => ({
        path: leaf.path,
        build: (value: unknown) => ({ ...(dummyJsonValue(branch, path, values) as object), [key]: leaf.build(value) }),
      })),
    ),
  ];
}

function graphqlInputs(
  stack: TomoStack,
  token: string,
  op: RootOperation,
  values: KnownValues,
  hostile: { label: string; value: unknown }[],
): Input[] {
  const args = op.field.args;
  const base = () =>
    Object.fromEntries(
      args.filter((a) => isNonNullType(a.type)).map((a) => [a.name, dummyGraphqlValue(a.type, a.name, values)]),
    );
  const returnsJob = getNamedType(op.field.type).name === 'Job';
  return args.flatMap((argument: GraphQLArgument) =>
    graphqlLeaves(argument.type, argument.name, values).flatMap((leaf) =>
      hostile.map(({ label, value }) => ({
        target: `${op.operation}(${leaf.path}) ← ${label}`,
        send: async (): Promise<Answer> => {
          const variables = { ...base(), [argument.name]: leaf.build(value) };
          const used = args.filter((a) => a.name in variables);
          const document = returnsJob
            ? operationDocument(op, used).replace('{ __typename }', '{ id }')
            : operationDocument(op, used);
          const result = await gql<Record<string, { id?: string } | null>>(
            `${stack.baseUrl}/graphql`,
            document,
            variables,
            token,
          );
          const codes = (result.errors ?? []).map((error) => error.extensions?.code);
          return {
            serverError: result.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR'),
            text: JSON.stringify({ data: result.data, errors: result.errors }),
            jobId: returnsJob ? (result.data?.[op.field.name]?.id ?? undefined) : undefined,
          };
        },
      })),
    ),
  );
}

function mcpInputs(
  client: Client,
  tool: { name: string; inputSchema: unknown },
  values: KnownValues,
  hostile: { label: string; value: unknown }[],
): Input[] {
  const schema = tool.inputSchema as JsonSchema;
  // The arguments object itself is not replaced: the SDK client refuses a non-object before sending.
  return jsonLeaves(schema, 'arguments', values)
    .filter((leaf) => leaf.path !== 'arguments')
    .flatMap((leaf) =>
      hostile.map(({ label, value }) => ({
        target: `${tool.name}(${leaf.path.slice('arguments.'.length)}) ← ${label}`,
        send: async (): Promise<Answer> => {
          try {
            const result = await client.callTool({
              name: tool.name,
              arguments: leaf.build(value) as Record<string, unknown>,
            });
            const text = JSON.stringify(result);
            const structured = result.structuredContent as { jobId?: string } | undefined;
            return { serverError: /"text":"INTERNAL_SERVER_ERROR:/.test(text), text, jobId: structured?.jobId };
          } catch (error) {
            // JSON-RPC InternalError (-32603) or an HTTP 5xx from the transport (its `code` is the status).
            const code = (error as { code?: number }).code ?? 0;
            return { serverError: code === -32603 || (code >= 500 && code < 600), text: String(error) };
          }
        },
      })),
    );
}

async function poll<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not after ${seconds} s`);
}

/** A real server (the testbed's sshd), the test app in a catalog, and one deployment of it. */
async function realRecords(stack: TomoStack, token: string, marketplaceDir: string) {
  const testbed = readTestbedState();
  const appPort = 20_000 + Math.floor(Math.random() * 10_000);
  createTestMarketplace(testbed as Parameters<typeof createTestMarketplace>[0], marketplaceDir, appPort);
  const { addServer } = await gqlOk<{ addServer: { id: string } }>(
    stack,
    'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
    {
      input: {
        name: 'testbed',
        host: testbed.ssh.host,
        port: testbed.ssh.port,
        username: testbed.ssh.username,
        authType: 'PASSWORD',
        password: testbed.ssh.password,
      },
    },
    token,
  );
  const { addMarketplaceRepo } = await gqlOk<{ addMarketplaceRepo: { id: string } }>(
    stack,
    'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
    { input: { name: 'chaos', url: marketplaceDir, branch: 'main' } },
    token,
  );
  await gqlOk(
    stack,
    'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
    { id: addMarketplaceRepo.id },
    token,
  );
  const appId = await poll('the test app in the catalog', 60, async () => {
    const { apps } = await gqlOk<{ apps: { id: string }[] }>(stack, '{ apps(search: "busybox") { id } }', {}, token);
    return apps[0]?.id;
  });
  const { installApp } = await gqlOk<{ installApp: { id: string } }>(
    stack,
    'mutation($input: InstallAppInput!) { installApp(input: $input) { id } }',
    { input: { serverId: addServer.id, appId } },
    token,
  );
  const deploymentId = await poll('the first install', 120, async () => {
    const { job } = await gqlOk<{
      job: { status: string; deploymentId: string | null; error: { message: string } | null };
    }>(
      stack,
      'query($id: ID!) { job(id: $id) { status deploymentId error { message } } }',
      { id: installApp.id },
      token,
    );
    if (job.status === 'FAILED' || job.status === 'CANCELLED')
      throw new Error(`the first install ${job.status}: ${job.error?.message}`);
    return job.status === 'SUCCEEDED' ? (job.deploymentId ?? undefined) : undefined;
  });
  return { testbed, serverId: addServer.id, appId, deploymentId, repoId: addMarketplaceRepo.id };
}

async function inPool(
  inputs: readonly Input[],
  deadline: number,
  onAnswer: (input: Input, answer: Answer) => void,
): Promise<number> {
  let next = 0;
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length && performance.now() < deadline) {
        const input = inputs[next++];
        sent++;
        onAnswer(input, await input.send());
      }
    }),
  );
  return sent;
}

/** Query abuse: each must be refused with a clear error, and the 1,000 logins must not be tried. */
async function queryAbuse(stack: TomoStack, token: string) {
  const url = `${stack.baseUrl}/graphql`;
  const post = async (body: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const text = await response.text();
    return { status: response.status, text: text.slice(0, 300) };
  };
  const loginFailures = async () => {
    const { auditLog } = await gqlOk<{ auditLog: { nodes: { action: string; outcome: string }[] } }>(
      stack,
      '{ auditLog(first: 200) { nodes { action outcome } } }',
      {},
      token,
    );
    return auditLog.nodes.filter((entry) => entry.action === 'login' && entry.outcome === 'FAILURE').length;
  };

  // No type of the schema nests itself, so the fields are not real: the depth limit answers first.
  const deep = `{ ${'me { '.repeat(40)}id${' }'.repeat(40)} }`;
  const aliases = Array.from(
    { length: 1_000 },
    (_, i) => `a${i}: login(input: { username: "${ADMIN.username}", password: "wrong ${i}" }) { token }`,
  ).join(' ');
  const before = await loginFailures();
  const results = {
    deepNesting: await post(JSON.stringify({ query: deep })),
    aliasedLogins: await post(JSON.stringify({ query: `mutation { ${aliases} }` })),
    batchedOperations: await post(JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ me { id } }' })))),
    hugeVariables: await post(
      JSON.stringify({ query: 'query($x: String) { version }', variables: { x: 'A'.repeat(20 * 1024 * 1024) } }),
    ),
  };
  const passwordAttempts = (await loginFailures()) - before;
  // The measure works: one wrong password is one failure in the audit log.
  await gql(url, 'mutation($input: LoginInput!) { login(input: $input) { token } }', {
    input: { ...ADMIN, password: 'wrong once' },
  });
  const controlCounted = (await loginFailures()) - before - passwordAttempts === 1;
  // Still able to sign in: the fan-out did not lock the account either.
  await gqlOk(stack, 'mutation($input: LoginInput!) { login(input: $input) { token } }', { input: ADMIN });
  const refusals = Object.fromEntries(
    Object.entries(results).map(([name, { status, text }]) => [
      name,
      { status, refused: status >= 400 && status < 500, answer: text },
    ]),
  );
  return { refusals, aliasedLoginPasswordAttempts: passwordAttempts, oneWrongLoginCounted: controlCounted };
}

/**
 * Each hostile repository is added and synced: every sync must finish (failing is fine), nothing
 * read from outside a repository may reach the catalog, a job's events or its error
 * (`outsideContentLeaked`), and no answer may be a server error.
 */
async function hostileRepoSyncs(
  stack: TomoStack,
  token: string,
  root: string,
  onAnswer: (target: string, answer: Answer) => void,
) {
  const marker = `OUTSIDE-THE-REPO-${randomBytes(6).toString('hex')}`;
  const repos = hostileRepositories(root, marker);
  const outcomes: Record<string, string> = {};
  let unfinished = 0;
  let leaked = 0;
  const url = `${stack.baseUrl}/graphql`;
  for (const repo of repos) {
    const added = await gql<{ addMarketplaceRepo: { id: string } }>(
      url,
      'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
      { input: { name: `hostile-${repo.name}`, url: repo.dir, branch: 'main' } },
      token,
    );
    const synced = added.data
      ? await gql<{ syncMarketplaceRepo: { id: string } }>(
          url,
          'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
          { id: added.data.addMarketplaceRepo.id },
          token,
        )
      : added;
    for (const [step, result] of [
      ['add', added],
      ['sync', synced],
    ] as const) {
      const codes = (result.errors ?? []).map((error) => error.extensions?.code);
      onAnswer(`${step} hostile repository ${repo.name}`, {
        serverError: result.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR'),
        text: JSON.stringify(result),
      });
    }
    const jobId = synced.data && 'syncMarketplaceRepo' in synced.data ? synced.data.syncMarketplaceRepo.id : undefined;
    if (!jobId) {
      outcomes[repo.name] = `refused: ${JSON.stringify(synced.errors?.[0]?.message)}`;
      continue;
    }
    try {
      const job = await poll(`the sync of ${repo.name}`, 120, async () => {
        const { job } = await gqlOk<{
          job: {
            status: string;
            error: { code: string; message: string } | null;
            result: string | null;
            events: { message: string }[];
          };
        }>(
          stack,
          'query($id: ID!) { job(id: $id) { status error { code message } result events { message } } }',
          { id: jobId },
          token,
        );
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) ? job : undefined;
      });
      if (JSON.stringify(job).includes(marker)) leaked++;
      const sync = JSON.parse(job.result ?? '{}') as {
        status?: string;
        added?: unknown[];
        errors?: { file: string; message: string }[];
      };
      outcomes[repo.name] = job.error
        ? `job ${job.status} ${job.error.code}: ${job.error.message.slice(0, 160)}`
        : `job ${job.status}, sync ${sync.status}, ${sync.added?.length ?? 0} app(s) added, ${sync.errors?.length ?? 0} error(s)${sync.errors?.[0] ? `, first: ${sync.errors[0].file}: ${sync.errors[0].message.slice(0, 120)}` : ''}`;
    } catch {
      unfinished++;
      outcomes[repo.name] = 'not finished after 120 s';
    }
  }
  const { apps } = await gqlOk<{ apps: unknown[] }>(stack, '{ apps { id name description } }', {}, token);
  if (JSON.stringify(apps).includes(marker)) leaked++;
  for (const [name, outcome] of Object.entries(outcomes)) progress(`hostile repository ${name}: ${outcome}`);
  return { repos: repos.length, unfinished, outsideContentLeaked: leaked, outcomes };
}

async function main(): Promise<void> {
  const canary = join(tmpdir(), `tomo-chaos-canary-${randomBytes(6).toString('hex')}`);
  const hostile = hostileValues(canary);

  progress('reading the served schema');
  const api = await startTestApi(AppModule.forRoot);
  const operations = rootOperations(api.app.get(GraphQLSchemaHost).schema).filter((op) => op.kind !== 'subscription');
  await api.close();

  progress('starting the built API + worker');
  const stack = await startTomo({ worker: true, console: false });
  const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-marketplace-'));
  const hostileReposDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-hostile-repos-'));
  const findings: Finding[] = [];
  let inputs = 0;
  let planned = 0;
  const jobIds = new Set<string>();
  let unsettledJobs = 0;
  let processExits: string[] = [];
  let abuse: Awaited<ReturnType<typeof queryAbuse>> | undefined;
  let repos: Awaited<ReturnType<typeof hostileRepoSyncs>> | undefined;
  let secrets: string[] = [ADMIN.password];
  let client: Client | undefined;
  try {
    const adminSession = await setupAdmin(stack, ADMIN);
    const { createApiToken } = await gqlOk<{ createApiToken: { token: string } }>(
      stack,
      'mutation { createApiToken(input: { name: "chaos fuzz" }) { token } }',
      {},
      adminSession,
    );
    const token = createApiToken.token;
    // First, while no wrong login of the inputs below has locked this address out.
    progress('query abuse');
    abuse = await queryAbuse(stack, token);
    progress('adding the testbed server, the test app and a deployment of it');
    const records = await realRecords(stack, token, marketplaceDir);
    secrets = [ADMIN.password, token, adminSession, records.testbed.ssh.password];
    const recordFindings = (target: string, answer: Answer) => {
      if (answer.jobId) jobIds.add(answer.jobId);
      if (answer.serverError) findings.push({ kind: 'serverError', target, excerpt: answer.text.slice(0, 300) });
      if (secrets.some((secret) => answer.text.includes(secret)))
        findings.push({ kind: 'secretEchoed', target, excerpt: '(the answer holds a secret)' });
    };
    progress('hostile marketplace repositories');
    repos = await hostileRepoSyncs(stack, token, hostileReposDir, recordFindings);
    let unique = 0;
    // Valid values around the hostile one: real records, unique names, the testbed's credentials.
    const known: KnownValues = {
      serverId: records.serverId,
      deploymentId: records.deploymentId,
      appId: records.appId,
      name: () => `chaos-${++unique}`,
      idempotencyKey: () => `chaos-${++unique}`,
      authType: 'PASSWORD',
      password: records.testbed.ssh.password,
      username: records.testbed.ssh.username,
      port: records.testbed.ssh.port,
      confirm: true,
    };

    client = await mcpClient('http', stack.baseUrl, token);
    const { tools } = await client.listTools();
    const mcp = client;
    const all = [
      ...operations.map((op) => ({
        name: op.field.name,
        inputs: () => graphqlInputs(stack, token, op, known, hostile),
      })),
      ...tools.map((tool) => ({ name: tool.name, inputs: () => mcpInputs(mcp, tool, known, hostile) })),
    ];
    const ordered = [
      ...all.filter((entry) => !DESTRUCTIVE.test(entry.name)),
      ...all.filter((entry) => DESTRUCTIVE.test(entry.name)),
    ].flatMap((entry) => entry.inputs());
    planned = ordered.length;
    progress(
      `${planned} inputs: ${operations.length} GraphQL operations and ${tools.length} MCP tools × ${hostile.length} values (at most ${MAX_SECONDS} s)`,
    );
    const started = performance.now();
    inputs = await inPool(ordered, started + MAX_SECONDS * 1000, (input, answer) =>
      recordFindings(input.target, answer),
    );
    progress(
      `${inputs} inputs sent in ${Math.round((performance.now() - started) / 1000)} s; ${jobIds.size} jobs started; waiting up to ${SETTLE_SECONDS} s for them`,
    );

    const counts = async () =>
      (
        await gqlOk<{ dashboard: { jobs: { queued: number; running: number; waiting: number } } }>(
          stack,
          '{ dashboard { jobs { queued running waiting } } }',
          {},
          token,
        )
      ).dashboard.jobs;
    try {
      await poll('the jobs the inputs started', SETTLE_SECONDS, async () => {
        const { queued, running, waiting } = await counts();
        return queued + running + waiting === 0 ? true : undefined;
      });
    } catch {
      const { queued, running, waiting } = await counts();
      unsettledJobs = queued + running + waiting;
    }

    processExits = stack.exitedProcesses();
  } finally {
    await client?.close();
    await stack.stop();
    rmSync(marketplaceDir, { recursive: true, force: true });
    rmSync(hostileReposDir, { recursive: true, force: true });
  }
  // The run's deployments are gone with its database: remove their containers from the testbed.
  const testbed = readTestbedState();
  const containers = testbedDocker(
    testbed as Parameters<typeof testbedDocker>[0],
    'ps',
    '-aq',
    '--filter',
    'label=tomo.managed=true',
  )
    .split('\n')
    .filter(Boolean);
  if (containers.length > 0) testbedDocker(testbed as Parameters<typeof testbedDocker>[0], 'rm', '-f', ...containers);

  // Secrets must not reach the logs either.
  for (const log of ['api.log', 'worker.log']) {
    const file = join(ARTIFACTS_DIR, log);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const secret of secrets)
      if (text.includes(secret))
        findings.push({ kind: 'secretEchoed', target: log, excerpt: '(the log holds a secret)' });
  }
  const commandsExecuted = existsSync(canary) ? 1 : 0;
  if (commandsExecuted) rmSync(canary);
  for (const finding of findings.slice(0, 50)) progress(`${finding.kind}: ${finding.target}: ${finding.excerpt}`);

  const figures = {
    inputs,
    planned,
    serverErrors: findings.filter((f) => f.kind === 'serverError').length,
    processExits: processExits.length,
    commandsExecuted,
    secretsEchoed: findings.filter((f) => f.kind === 'secretEchoed').length,
    jobsStarted: jobIds.size,
    unsettledJobs,
    values: hostile.length,
    abuse,
    hostileRepos: repos,
    env: await runEnv(TEST_REDIS_URL),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const abuseRefused =
    abuse !== undefined &&
    abuse.aliasedLoginPasswordAttempts === 0 &&
    abuse.oneWrongLoginCounted &&
    Object.values(abuse.refusals).every((refusal) => refusal.refused);
  const reposSafe = repos !== undefined && repos.unfinished === 0 && repos.outsideContentLeaked === 0;
  if (
    figures.serverErrors + figures.processExits + figures.commandsExecuted + figures.secretsEchoed > 0 ||
    !abuseRefused ||
    !reposSafe
  )
    process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
