import { BlockList, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Where the address `clientInfo` reports is kept on a request (HTTP, or a graphql-ws upgrade). */
const CLIENT_ADDRESS = Symbol('tomo.clientAddress');
type AddressedRequest = IncomingMessage & { [CLIENT_ADDRESS]?: string | null };

/** TRUSTED_PROXIES (addresses and CIDRs, validated by the config) as a BlockList; null when none. */
export function trustedProxies(entries: readonly string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function isTrusted(address: string, trusted: BlockList): boolean {
  // IPv4 peers of a dual-stack socket appear as ::ffff:a.b.c.d.
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return trusted.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy; then the
 * `X-Forwarded-For` entries are walked from the right (the hop nearest to us) and the first one
 * that is not a trusted proxy is the client. Entries further left were written by the client
 * itself and are never believed.
 */
export function clientAddressOf(req: IncomingMessage, trusted: BlockList | null): string | null {
  let address = req.socket?.remoteAddress ?? null;
  if (!trusted || !address || !isTrusted(address, trusted)) return address;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  for (const hop of hops.reverse()) {
    address = hop;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return address;
}

/** Works the address out once per request (an HTTP middleware, graphql-ws `onConnect`). */
export function recordClientAddress(req: IncomingMessage, trusted: BlockList | null): void {
  (req as AddressedRequest)[CLIENT_ADDRESS] = clientAddressOf(req, trusted);
}

/** The recorded address, else the socket's peer. */
export function recordedClientAddress(req: IncomingMessage): string | null {
  const recorded = (req as AddressedRequest)[CLIENT_ADDRESS];
  return recorded !== undefined ? recorded : (req.socket?.remoteAddress ?? null);
}
