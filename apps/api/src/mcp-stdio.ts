import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type JSONRPCMessage, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { loadConfigOrExit, loadMcpStdioConfig } from '@tomo/config';

/**
 * The stdio MCP bridge for desktop agents that launch a local process: relays every message
 * between stdin/stdout and a running Tomo's `/mcp` (TOMO_URL, TOMO_API_TOKEN), untouched. It
 * knows no tools and holds no server credentials: everything runs on the Tomo host, with the
 * token's role. stdout carries only the protocol; diagnostics go to stderr.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadMcpStdioConfig());
  const remote = new StreamableHTTPClientTransport(config.mcpUrl, {
    requestInit: { headers: { Authorization: `Bearer ${config.apiToken}` } },
  });
  const local = new StdioServerTransport();
  const report = (error: unknown) =>
    process.stderr.write(`tomo mcp-stdio: ${error instanceof Error ? error.message : String(error)}\n`);
  const initializeIds = new Set<string | number>();

  local.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && message.method === 'initialize' && 'id' in message) initializeIds.add(message.id);
    remote.send(message).catch((error: unknown) => {
      report(error);
      // A request must get an answer, or the agent waits for ever.
      if ('method' in message && 'id' in message) {
        void local.send({
          jsonrpc: '2.0',
          id: message.id,
          error: {
            code: -32000,
            message: `Tomo at ${config.mcpUrl.origin} did not answer: ${error instanceof Error ? error.message : String(error)}`,
          },
        });
      }
    });
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    // The HTTP transport sends the negotiated version on later requests, as a client would.
    if ('result' in message && initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      remote.setProtocolVersion(typeof version === 'string' ? version : LATEST_PROTOCOL_VERSION);
    }
    local.send(message).catch(report);
  };
  remote.onerror = report;
  local.onerror = report;
  local.onclose = () => {
    void remote.close().finally(() => process.exit(0));
  };

  await remote.start();
  await local.start();
  process.stdin.on('end', () => void local.close());
}

void main();
