import { z } from 'zod';
import type { Principal } from '@tomo/identity';
import type { Role } from '@tomo/shared';

/** What a tool's handler may ask of the MCP connection it runs on. */
export interface ToolCall {
  principal: Principal;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** Sends `notifications/progress` when the client passed a progress token; a no-op otherwise. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
  /**
   * Asks the user, through the client's elicitation form, to confirm what `message` says will
   * happen. `unsupported` when the client did not declare the elicitation capability.
   */
  elicitConfirmation(message: string): Promise<'confirmed' | 'declined' | 'unsupported'>;
}

export interface ResourceLinkOut {
  uri: string;
  name: string;
  description: string;
}

export interface ToolOutcome<O> {
  /** The structured result; validated against the tool's output schema before it leaves. */
  structured: O;
  /** One line for the model's text channel. */
  summary: string;
  links?: ResourceLinkOut[];
}

/**
 * How a tool behaves, stated truthfully (MCP tool annotations): `readOnly` tools change nothing,
 * `destructive` ones may lose data, `idempotent` ones do nothing more when repeated with the same
 * arguments, `openWorld` ones reach remote servers or git hosts.
 */
export interface ToolBehaviour {
  readOnly: boolean;
  destructive: boolean;
  idempotent: boolean;
  openWorld: boolean;
}

export interface McpTool<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  /** What it does, when to use it, what it returns, what to call next. */
  description: string;
  /** The least role that may list and call it: the same as its GraphQL operation's `@Roles`. */
  role: Role;
  behaviour: ToolBehaviour;
  /** Every field `.describe()`d; unknown fields are refused. */
  input: z.ZodObject<I, z.core.$strict>;
  output: z.ZodObject<O>;
  /** Changing tools: the audit entry the GraphQL mutation writes (same action name and target type). */
  audit?: ToolAudit;
  run(args: z.output<z.ZodObject<I>>, call: ToolCall): Promise<ToolOutcome<z.input<z.ZodObject<O>>>>;
}

/** Types a tool from its input and output shapes. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(tool: {
  name: string;
  title: string;
  description: string;
  role: Role;
  behaviour: ToolBehaviour;
  input: I;
  output: O;
  audit?: ToolAudit;
  run(args: z.output<z.ZodObject<I>>, call: ToolCall): Promise<ToolOutcome<z.input<z.ZodObject<O>>>>;
}): McpTool {
  return { ...tool, input: z.strictObject(tool.input), output: z.object(tool.output) } as unknown as McpTool;
}

export interface ToolAudit {
  /** The GraphQL mutation's name, e.g. installApp. */
  action: string;
  targetType: string;
  /**
   * The arguments as the GraphQL mutation takes them (e.g. `{ input }`), so that the entry's
   * details are the same whichever door was used, and redacted alike.
   */
  details?: (args: Record<string, unknown>) => Record<string, unknown>;
}

/** The arguments of a mutation that takes one `input` object. */
export const asInput = ({ confirm: _confirm, ...input }: Record<string, unknown>) => ({ input });

/** Behaviour presets. */
export const READ: ToolBehaviour = { readOnly: true, destructive: false, idempotent: true, openWorld: false };
/** Starts a job that acts on a remote server. */
export const REMOTE_JOB: ToolBehaviour = { readOnly: false, destructive: false, idempotent: false, openWorld: true };
