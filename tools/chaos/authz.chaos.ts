/**
 * `npm run chaos -- authz`: the authorization matrix. Every GraphQL operation of the served schema
 * and every MCP tool an ADMIN token lists, called by each of {no token, expired token, revoked
 * token, VIEWER, OPERATOR, ADMIN}, over both doors; each cell's outcome (past the access check, or
 * UNAUTHENTICATED / FORBIDDEN / HTTP 401) must be what the operation's declared role promises.
 *
 * The declarations are read from the code (operationAccess, the MCP tool registry) in an API booted
 * in this process; the calls go to the built API + worker (`npx nx run-many -t build -p api worker`)
 * that the run starts with its own temp SQLite and Redis prefix. Arguments are dummies that change
 * nothing: ids that match no record, hosts and URLs on loopback's discard port.
 * Prints a table on stderr and one JSON line of figures on stdout; exits 1 on any mismatch.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Role } from '@tomo/shared';
import {
  firstResult,
  gql,
  type GqlError,
  gqlOk,
  setupAdmin,
  signInNewUser,
  startTestApi,
  TEST_REDIS_URL,
  wsClient,
} from '@tomo/testing';
import { AppModule } from '../../apps/api/src/app/app.module';
import type { AccessRule } from '../../apps/api/src/app/auth/access.decorator';
import { operationAccess } from '../../apps/api/src/app/auth/operation-access';
import { McpToolRegistry } from '../../apps/api/src/app/mcp/mcp-tool-registry';
import { mcpClient } from '../../apps/e2e/src/support/mcp-clients';
import { startTomo, type TomoStack } from '../../apps/e2e/src/support/tomo-stack';
import { CALLERS, type Caller, expectedOutcome, type Outcome, observedOutcome } from './support/access-outcome';
import {
  dummyArguments,
  dummyJsonValue,
  type JsonSchema,
  operationDocument,
  type RootOperation,
  rootOperations,
} from './support/dummy-arguments';
import { progress as progressOf, runEnv } from './support/run-env';

const progress = progressOf('authz');
/** A subscription the guard lets through stays open silently: no refusal this long counts as allowed. */
const SUBSCRIPTION_SETTLE_MS = 3_000;
const CONCURRENCY = 4;
const PASSWORD = 'chaos matrix passphrase of';

interface Cell {
  door: 'graphql' | 'mcp';
  operation: string;
  rule: string;
  caller: Caller;
  expected: Outcome;
  observed: Outcome;
  /** What came back, to explain a mismatch. */
  detail: string;
}

interface Declarations {
  operations: RootOperation[];
  rules: Map<string, AccessRule | undefined>;
  toolRole(name: string): Role | undefined;
}

/** The access rules as the code declares them, read from an API booted in this process. */
async function readDeclarations(): Promise<Declarations> {
  const api = await startTestApi(AppModule.forRoot);
  try {
    const registry = api.app.get(McpToolRegistry);
    return {
      operations: rootOperations(api.app.get(GraphQLSchemaHost).schema),
      rules: new Map(operationAccess(api.app).map((entry) => [entry.operation, entry.rule])),
      toolRole: (name) => registry.find(name)?.role,
    };
  } finally {
    await api.close();
  }
}

function ruleText(rule: AccessRule | undefined): string {
  if (rule === undefined) return 'none';
  return 'public' in rule ? 'public' : rule.role;
}

/** A token per caller: live API tokens of users of each role, and two ADMIN tokens made unusable. */
async function makeTokens(
  stack: TomoStack,
): Promise<{ tokens: Map<Caller, string | undefined>; viewerLogin: { username: string; password: string } }> {
  const url = `${stack.baseUrl}/graphql`;
  const createToken = async (session: string, name: string, expiresInDays?: number) =>
    (
      await gqlOk<{ createApiToken: { token: string; apiToken: { id: string } } }>(
        url,
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }',
        { input: { name, expiresInDays } },
        session,
      )
    ).createApiToken;

  const admin = { username: 'chaos-admin', password: `${PASSWORD} admin` };
  const adminSession = await setupAdmin(url, admin);
  const tokens = new Map<Caller, string | undefined>([['none', undefined]]);
  for (const role of [Role.Viewer, Role.Operator]) {
    const user = { username: `chaos-${role.toLowerCase()}`, password: `${PASSWORD} ${role.toLowerCase()}` };
    tokens.set(
      role,
      (await createToken(await signInNewUser(url, adminSession, { ...user, role }), `chaos ${role}`)).token,
    );
  }
  tokens.set(Role.Admin, (await createToken(adminSession, 'chaos ADMIN')).token);

  const expired = await createToken(adminSession, 'chaos expired', 1);
  // No API makes a token that has already expired: move its expiry into the past in the database.
  const db = new Database(join(stack.dataDir, 'tomo.sqlite'));
  try {
    db.prepare("UPDATE api_token SET expiresAt = '2000-01-01 00:00:00.000' WHERE id = ?").run(expired.apiToken.id);
  } finally {
    db.close();
  }
  tokens.set('expired', expired.token);
  const revoked = await createToken(adminSession, 'chaos revoked');
  await gqlOk(url, 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }', { id: revoked.apiToken.id }, adminSession);
  tokens.set('revoked', revoked.token);
  return { tokens, viewerLogin: { username: 'chaos-viewer', password: `${PASSWORD} viewer` } };
}

function codesOf(errors: readonly GqlError[] | undefined): string[] {
  return (errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');
}

/** One GraphQL cell: a query or mutation over HTTP, a subscription over graphql-ws. */
async function callGraphql(
  stack: TomoStack,
  op: RootOperation,
  variables: Record<string, unknown>,
  token: string | undefined,
): Promise<string[]> {
  const document = operationDocument(op, dummyArguments(op).args);
  if (op.kind !== 'subscription') {
    const result = await gql(`${stack.baseUrl}/graphql`, document, variables, token);
    // A refusal of the whole request (HTTP 4xx/5xx without GraphQL errors) is a finding of its own.
    return result.errors ? codesOf(result.errors) : result.status === 200 ? [] : [`HTTP_${result.status}`];
  }
  const client = wsClient(stack.baseUrl.replace(/^http/, 'ws') + '/graphql', { token });
  try {
    const result = await firstResult(client, document, variables, SUBSCRIPTION_SETTLE_MS);
    return codesOf(result.errors);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('no subscription result')) return []; // open and quiet: allowed
    throw error;
  } finally {
    await client.dispose();
  }
}

/** One MCP cell without a usable token: a tools/call the door must answer 401. */
async function callMcpUnauthenticated(
  stack: TomoStack,
  tool: string,
  args: unknown,
  token: string | undefined,
): Promise<string[]> {
  const response = await fetch(`${stack.baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } }),
  });
  await response.arrayBuffer();
  if (response.status === 401) return ['UNAUTHENTICATED'];
  if (response.status === 403) return ['FORBIDDEN'];
  return response.ok ? [] : [`HTTP_${response.status}`];
}

/** One MCP cell through the SDK client: a tool error reads `CODE: message`. */
async function callMcp(client: Client, tool: string, args: Record<string, unknown>): Promise<string[]> {
  const result = await client.callTool({ name: tool, arguments: args });
  if (!result.isError) return [];
  const content = result.content as { type: string; text?: string }[];
  const text = content.find((part) => part.type === 'text')?.text ?? '';
  return [/^([A-Z_]+):/.exec(text)?.[1] ?? 'NO_CODE'];
}

async function inPool<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

function printTable(cells: Cell[]): void {
  const rows = new Map<string, Cell[]>();
  for (const cell of cells)
    rows.set(`${cell.door} ${cell.operation}`, [...(rows.get(`${cell.door} ${cell.operation}`) ?? []), cell]);
  const width = Math.max(...[...rows.keys()].map((key) => key.length));
  const mark = (cell: Cell | undefined) =>
    !cell
      ? '?'
      : cell.observed === cell.expected
        ? cell.observed === 'allowed'
          ? 'ok'
          : cell.observed === 'FORBIDDEN'
            ? '403'
            : '401'
        : 'MISMATCH';
  process.stderr.write(`${'door operation'.padEnd(width)}  rule      ${CALLERS.map((c) => c.padEnd(9)).join('')}\n`);
  for (const [key, row] of rows) {
    const cellOf = (caller: Caller) => row.find((cell) => cell.caller === caller);
    process.stderr.write(
      `${key.padEnd(width)}  ${row[0].rule.padEnd(9)} ${CALLERS.map((c) => mark(cellOf(c)).padEnd(9)).join('')}\n`,
    );
  }
  process.stderr.write('ok: past the access check (allowed); 401: UNAUTHENTICATED; 403: FORBIDDEN, each as declared\n');
}

function tally(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, value) => ({ ...acc, [value]: (acc[value] ?? 0) + 1 }), {});
}

async function main(): Promise<void> {
  progress('reading the declared access of every operation and tool');
  const declared = await readDeclarations();
  progress('starting the built API + worker');
  const stack = await startTomo({ worker: true, console: false });
  const cells: Cell[] = [];
  const clients: Client[] = [];
  try {
    const { tokens, viewerLogin } = await makeTokens(stack);
    // Dummy arguments where they would end in an auth-like answer of the operation itself.
    const realArguments: Record<string, Record<string, unknown>> = { 'Mutation.login': { input: viewerLogin } };

    progress(`GraphQL: ${declared.operations.length} operations × ${CALLERS.length} callers`);
    const graphqlJobs = declared.operations.flatMap((op) => CALLERS.map((caller) => ({ op, caller })));
    await inPool(graphqlJobs, async ({ op, caller }) => {
      const rule = declared.rules.get(op.operation);
      const variables = realArguments[op.operation] ?? dummyArguments(op).variables;
      const codes = await callGraphql(stack, op, variables, tokens.get(caller));
      cells.push({
        door: 'graphql',
        operation: op.operation,
        rule: ruleText(rule),
        caller,
        expected: expectedOutcome(rule, caller),
        observed: observedOutcome(codes),
        detail: codes.join(',') || 'no error',
      });
    });

    const adminClient = await mcpClient('http', stack.baseUrl, tokens.get(Role.Admin) ?? '');
    clients.push(adminClient);
    const { tools } = await adminClient.listTools();
    progress(`MCP: ${tools.length} tools × ${CALLERS.length} callers`);
    const roleClients = new Map<Caller, Client>([[Role.Admin, adminClient]]);
    for (const role of [Role.Viewer, Role.Operator]) {
      const client = await mcpClient('http', stack.baseUrl, tokens.get(role) ?? '');
      clients.push(client);
      roleClients.set(role, client);
    }
    const mcpJobs = tools.flatMap((tool) => CALLERS.map((caller) => ({ tool, caller })));
    await inPool(mcpJobs, async ({ tool, caller }) => {
      const role = declared.toolRole(tool.name);
      // A listed tool the registry does not know declares nothing: expected refused, so it shows.
      const rule: AccessRule | undefined = role ? { role } : undefined;
      const args = dummyJsonValue(tool.inputSchema as JsonSchema, 'arguments') as Record<string, unknown>;
      const client = roleClients.get(caller);
      const codes = client
        ? await callMcp(client, tool.name, args)
        : await callMcpUnauthenticated(stack, tool.name, args, tokens.get(caller));
      cells.push({
        door: 'mcp',
        operation: tool.name,
        rule: ruleText(rule),
        caller,
        expected: expectedOutcome(rule, caller),
        observed: observedOutcome(codes),
        detail: codes.join(',') || 'no error',
      });
    });
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await stack.stop();
  }

  const order = (cell: Cell) => `${cell.door} ${cell.operation}`;
  cells.sort((a, b) => order(a).localeCompare(order(b)));
  printTable(cells);
  const mismatches = cells.filter((cell) => cell.observed !== cell.expected);
  for (const cell of mismatches) {
    progress(
      `MISMATCH ${cell.door} ${cell.operation} as ${cell.caller}: declared ${cell.rule}, expected ${cell.expected}, got ${cell.observed} (${cell.detail})`,
    );
  }
  const count = (door: Cell['door']) =>
    new Set(cells.filter((cell) => cell.door === door).map((cell) => cell.operation)).size;
  process.stdout.write(
    `${JSON.stringify({
      cells: cells.length,
      mismatches: mismatches.length,
      graphqlOperations: count('graphql'),
      mcpTools: count('mcp'),
      callers: CALLERS,
      outcomes: tally(cells.map((cell) => cell.observed)),
      // How the calls that passed the access check ended: dummies make most end NOT_FOUND or BAD_USER_INPUT.
      allowedAnswers: tally(cells.filter((cell) => cell.observed === 'allowed').map((cell) => cell.detail)),
      env: await runEnv(TEST_REDIS_URL),
    })}\n`,
  );
  if (mismatches.length > 0) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
