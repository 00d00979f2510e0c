import { randomUUID } from 'node:crypto';
import { All, Controller, Inject, Logger, type OnModuleDestroy, Req, Res } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { type ApiConfig, TOMO_CONFIG } from '@tomo/config';
import { AuthenticationService } from '@tomo/identity';
import { Public } from '../auth/access.decorator';
import { presentedCredential, type TomoGraphqlContext } from '../auth/request-context';
import type { McpCaller } from './mcp-server.factory';
import { McpServerFactory } from './mcp-server.factory';

/** A protocol session: only the connection (and the client's capabilities); no domain state. */
interface McpSession {
  transport: StreamableHTTPServerTransport;
  server: Server;
  userId: string;
  lastUsedAt: number;
}

/** Sessions unused this long are closed; a client then initializes a new one. */
const SESSION_IDLE_MS = 30 * 60_000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * MCP over Streamable HTTP at `/mcp`. Authenticates every request itself (a bearer API token or
 * login JWT; 401 with `WWW-Authenticate: Bearer` otherwise, as MCP clients expect), refuses
 * foreign browser origins and, on a loopback bind, non-loopback Host names (DNS rebinding).
 *
 * Clients that initialize get a protocol session (needed for elicitation: the client's answer
 * comes back in another request), kept in this process's memory; clients that send requests
 * without a session are served statelessly. Nothing else is keyed on the session: jobs, access
 * and audit depend on the token of each request, so any session (or replica) can follow any job.
 */
@Public() // authenticates itself, see above
@Controller('mcp')
export class McpController implements OnModuleDestroy {
  private readonly logger = new Logger('MCP');
  private readonly sessions = new Map<string, McpSession>();
  private readonly sweeper = setInterval(() => this.closeIdleSessions(), 60_000).unref();

  constructor(
    private readonly authentication: AuthenticationService,
    private readonly factory: McpServerFactory,
    @Inject(TOMO_CONFIG) private readonly config: ApiConfig,
  ) {}

  @All()
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    const refusal = this.originRefusal(req);
    if (refusal) return reply(res, 403, refusal);

    const context: TomoGraphqlContext = { req, res };
    const presented = presentedCredential(context);
    const principal =
      presented?.source === 'bearer' ? await this.authentication.authenticate(presented.credential) : null;
    if (!principal) {
      res.setHeader(
        'WWW-Authenticate',
        'Bearer realm="tomo", error="invalid_token", error_description="Send an API token: Authorization: Bearer <token>"',
      );
      return reply(
        res,
        401,
        presented ? 'Invalid, expired or revoked token' : 'Sign in first: send "Authorization: Bearer <API token>"',
      );
    }
    context.principal = principal;
    const caller: McpCaller = { principal, context };
    (req as Request & { auth?: unknown }).auth = {
      token: '',
      clientId: principal.userId,
      scopes: [principal.role],
      extra: { caller },
    };

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      // Another user's session id is as unknown as a made-up one.
      if (!session || session.userId !== principal.userId)
        return reply(res, 404, 'Session not found: initialize a new one');
      session.lastUsedAt = Date.now();
      await session.transport.handleRequest(req, res, req.body);
      return;
    }

    if (req.method === 'POST' && isInitializeRequest(req.body)) {
      const server = this.factory.create();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          this.sessions.set(id, { transport, server, userId: principal.userId, lastUsedAt: Date.now() });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) this.sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      return;
    }

    // Without a session: one server for this request only.
    const server = this.factory.create();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((session) => session.server.close()));
    this.sessions.clear();
  }

  /** DNS rebinding: a browser page of another origin must not drive the door with a user's network position. */
  private originRefusal(req: Request): string | null {
    const host = req.headers.host ?? '';
    if (LOOPBACK_HOSTS.has(this.config.host) && !LOOPBACK_HOSTS.has(hostname(host))) {
      return `Host ${host} is not allowed: Tomo listens on ${this.config.host}`;
    }
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    try {
      if (new URL(origin).host === host) return null;
    } catch {
      // not a URL: refused below
    }
    return `Origin ${origin} is not allowed`;
  }

  private closeIdleSessions(): void {
    const idleSince = Date.now() - SESSION_IDLE_MS;
    for (const [id, session] of this.sessions) {
      if (session.lastUsedAt >= idleSince) continue;
      this.sessions.delete(id);
      session.server.close().catch((error: unknown) => this.logger.warn(`Closing MCP session ${id}: ${String(error)}`));
    }
  }
}

function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

/** A JSON-RPC error answer outside any request (the transport's own format). */
function reply(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: status === 404 ? -32001 : -32000, message }, id: null });
}
