import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GqlError {
  message: string;
  extensions?: { code?: string; retryAfterSeconds?: number };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
  headers: Headers;
}

export interface GqlOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/** One GraphQL request over real HTTP (POST, JSON). */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: GqlOptions | string = {},
): Promise<GqlResult<T>> {
  const { token, headers = {} } = typeof options === 'string' ? { token: options } : options;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

/** The `extensions.code` of each error (empty when the request succeeded). */
export function errorCodes(result: GqlResult<unknown>): string[] {
  return (result.errors ?? []).map((error) => error.extensions?.code ?? '');
}

export interface WsClientOptions {
  /** Sent in connectionParams as `authorization: Bearer <token>`. */
  token?: string;
  /** Headers of the upgrade request, as a browser sends them (`cookie`, `origin`). */
  headers?: Record<string, string>;
}

/** A graphql-ws client (a token string: `{ token }`). */
export function wsClient(url: string, options: WsClientOptions | string = {}): Client {
  const { token, headers } = typeof options === 'string' ? { token: options } : options;
  return createClient({
    url,
    webSocketImpl: headers ? webSocketWithHeaders(headers) : WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** graphql-ws opens sockets as `new Impl(url, protocol)`; this one adds the headers. */
function webSocketWithHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/** Subscribes and resolves with the first result, or rejects with the subscription's errors. */
export function firstResult<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<{ data?: T | null; errors?: readonly GqlError[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`no subscription result within ${timeoutMs} ms`));
    }, timeoutMs);
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          clearTimeout(timer);
          dispose();
          resolve(result as { data?: T | null; errors?: readonly GqlError[] });
        },
        error: (error) => {
          clearTimeout(timer);
          // graphql-ws hands GraphQL errors of the subscribe step over as an array.
          if (Array.isArray(error)) resolve({ errors: error as GqlError[] });
          else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => clearTimeout(timer),
      },
    );
  });
}
