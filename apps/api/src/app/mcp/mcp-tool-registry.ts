import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type ApiConfig, TOMO_CONFIG } from '@tomo/config';
import type { Principal } from '@tomo/identity';
import { roleSatisfies } from '@tomo/shared';
import type { McpTool } from './mcp-tool';
import { DeploymentTools } from './tools/deployment.tools';
import { JobTools } from './tools/job.tools';
import { MarketplaceTools } from './tools/marketplace.tools';
import { NotificationTools } from './tools/notification.tools';
import { ServerTools } from './tools/server.tools';
import { SystemTools } from './tools/system.tools';

/** A tool as `tools/list` shows it (JSON schemas computed once). */
export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema: { type: 'object'; [key: string]: unknown };
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
}

/** Why a caller may not use a tool, or null when they may. */
export type ToolRefusal = string | null;

/**
 * Every MCP tool, with who may see and call it: the tool's role against the caller's (as
 * `@Roles` in GraphQL), and with MCP_READ_ONLY only the tools that change nothing.
 */
@Injectable()
export class McpToolRegistry {
  private readonly tools = new Map<string, { tool: McpTool; listed: ListedTool }>();

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: ApiConfig,
    servers: ServerTools,
    marketplace: MarketplaceTools,
    deployments: DeploymentTools,
    jobs: JobTools,
    system: SystemTools,
    notifications: NotificationTools,
  ) {
    for (const tool of [
      ...system.tools(),
      ...servers.tools(),
      ...marketplace.tools(),
      ...deployments.tools(),
      ...jobs.tools(),
      ...notifications.tools(),
    ]) {
      if (this.tools.has(tool.name)) throw new Error(`Two MCP tools are named ${tool.name}`);
      this.tools.set(tool.name, { tool, listed: listed(tool) });
    }
  }

  find(name: string): McpTool | undefined {
    return this.tools.get(name)?.tool;
  }

  /** What `principal` may list and call, in a stable order. */
  listFor(principal: Principal): ListedTool[] {
    return [...this.tools.values()]
      .filter(({ tool }) => this.refusal(tool, principal) === null)
      .map((entry) => entry.listed);
  }

  refusal(tool: McpTool, principal: Principal): ToolRefusal {
    if (this.config.mcp.readOnly && !tool.behaviour.readOnly)
      return `${tool.name} changes things and this Tomo serves MCP read-only (MCP_READ_ONLY)`;
    if (!roleSatisfies(principal.role, tool.role))
      return `${tool.name} requires the ${tool.role} role (your token has ${principal.role})`;
    return null;
  }
}

function listed(tool: McpTool): ListedTool {
  const { readOnly, destructive, idempotent, openWorld } = tool.behaviour;
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(tool.input, 'input'),
    outputSchema: jsonSchema(tool.output, 'output'),
    annotations: {
      title: tool.title,
      readOnlyHint: readOnly,
      destructiveHint: destructive,
      idempotentHint: idempotent,
      openWorldHint: openWorld,
    },
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): ListedTool['inputSchema'] {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  // MCP assumes JSON Schema 2020-12 when $schema is absent; zod names draft 2020-12 anyway.
  delete json['$schema'];
  return { ...json, type: 'object' };
}
