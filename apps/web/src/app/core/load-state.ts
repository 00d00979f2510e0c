/** What a view knows about a value it asked the server for. */
export type LoadState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'error'; readonly message: string };

export const loading = { status: 'loading' } as const;

export function loaded<T>(value: T): LoadState<T> {
  return { status: 'ok', value };
}

export function failed(message: string): LoadState<never> {
  return { status: 'error', message };
}
