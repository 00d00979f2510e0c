import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { WORKSPACE_ROOT } from './workspace';

/** The built stdio bridge (`npm run mcp:stdio` runs it). */
export const MCP_STDIO = resolve(WORKSPACE_ROOT, 'dist/apps/api/mcp-stdio.js');

export type McpDoor = 'http' | 'stdio';

export interface ClientOptions {
  /** Declares the elicitation capability and answers each form with this. */
  elicit?: (message: string) => ElicitResult;
}

/** A real SDK Client on `/mcp`, directly (Streamable HTTP) or through the stdio bridge. */
export async function mcpClient(
  door: McpDoor,
  baseUrl: string,
  token: string,
  options: ClientOptions = {},
): Promise<Client> {
  const client = new Client(
    { name: 'tomo-e2e', version: '1.0.0' },
    { capabilities: options.elicit ? { elicitation: { form: {} } } : {} },
  );
  const { elicit } = options;
  if (elicit) client.setRequestHandler(ElicitRequestSchema, (request) => elicit(request.params.message));
  const transport =
    door === 'http'
      ? new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        })
      : new StdioClientTransport({
          command: process.execPath,
          args: [MCP_STDIO],
          env: { PATH: process.env['PATH'] ?? '', TOMO_URL: baseUrl, TOMO_API_TOKEN: token },
          stderr: 'pipe',
        });
  await client.connect(transport);
  return client;
}

interface TestbedState {
  ssh: { host: string; port: number; username: string; password: string };
  docker: { host: string };
  images: { v1: string };
}

/** The testbed `npm run testbed -- up` started for this checkout. */
export function readTestbedState(): TestbedState {
  const file = resolve(WORKSPACE_ROOT, 'tmp/testbed/state.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as TestbedState & { status: string };
  if (state.status !== 'up') throw new Error('The testbed is down: run `npm run testbed -- up`');
  return state;
}

/** The docker CLI against the testbed's engine. */
export function testbedDocker(state: TestbedState, ...args: string[]): string {
  return execFileSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: state.docker.host },
    encoding: 'utf8',
  }).trim();
}
