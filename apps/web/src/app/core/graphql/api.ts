import { inject, Injectable, signal } from '@angular/core';
import type { OperationVariables, TypedDocumentNode } from '@apollo/client';
import { Apollo } from 'apollo-angular';
import { defer, filter, finalize, firstValueFrom, map, type Observable } from 'rxjs';

/**
 * The console's one way to call the API: typed documents from `generated/graphql.ts` in, plain
 * data out. Queries always ask the network (pages show what the API says now; lists stay fresh
 * through subscriptions, not through a cache), errors reject with Apollo's error (see api-error.ts).
 */
@Injectable({ providedIn: 'root' })
export class Api {
  private readonly apollo = inject(Apollo);
  private readonly lastRequest = signal(Date.now());
  private readonly openSubscriptions = signal(0);

  /**
   * When the console last used the session (ms since the epoch): each request moves the API's
   * idle timeout on, and so does an open subscription (the API re-checks it, which counts as use).
   */
  readonly lastUse = this.lastRequest.asReadonly();
  readonly subscribed = this.openSubscriptions.asReadonly();

  async query<T, V extends OperationVariables>(query: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
    this.lastRequest.set(Date.now());
    const result = await firstValueFrom(
      this.apollo.query<T, V>({ query, variables: variables as V, fetchPolicy: 'no-cache' }),
    );
    if (result.data === undefined) throw new Error('The API returned no data');
    return result.data as T;
  }

  async mutate<T, V extends OperationVariables>(mutation: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
    this.lastRequest.set(Date.now());
    const result = await firstValueFrom(
      this.apollo.mutate<T, V>({ mutation, variables: variables as V, fetchPolicy: 'no-cache' }),
    );
    if (result.data == null) throw new Error('The API returned no data');
    return result.data as T;
  }

  subscribe<T, V extends OperationVariables>(query: TypedDocumentNode<T, V>, variables?: V): Observable<T> {
    return defer(() => {
      this.openSubscriptions.update((count) => count + 1);
      return this.apollo.subscribe<T, V>({ query, variables: variables as V, fetchPolicy: 'no-cache' }).pipe(
        map((result) => result.data as T | null | undefined),
        filter((data): data is T => data != null),
        finalize(() => this.openSubscriptions.update((count) => count - 1)),
      );
    });
  }
}
