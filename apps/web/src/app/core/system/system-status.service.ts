import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { Apollo, gql } from 'apollo-angular';
import { catchError, map, type Observable, of, startWith } from 'rxjs';
import { failed, loaded, type LoadState, loading } from '../load-state';
import { parseReadiness, type Readiness } from './readiness';

export const READINESS_URL = '/health/ready';

export const VERSION_QUERY = gql<{ version: string }, Record<string, never>>`
  query Version {
    version
  }
`;

function messageOf(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    return error.status === 0 ? 'the API is unreachable' : `HTTP ${error.status} ${error.statusText}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

function readinessState(body: unknown, otherwise: string): LoadState<Readiness> {
  const readiness = parseReadiness(body);
  return readiness ? loaded(readiness) : failed(otherwise);
}

/** The API's version and readiness, as streams of load states (loading first, then ok or error). */
@Injectable({ providedIn: 'root' })
export class SystemStatusService {
  private readonly apollo = inject(Apollo);
  private readonly http = inject(HttpClient);

  version(options: { refresh?: boolean } = {}): Observable<LoadState<string>> {
    return this.apollo
      .query({ query: VERSION_QUERY, fetchPolicy: options.refresh ? 'network-only' : 'cache-first' })
      .pipe(
        map((result) =>
          result.data?.version ? loaded(result.data.version) : failed('the API did not return its version'),
        ),
        catchError((error: unknown) => of(failed(messageOf(error)))),
        startWith(loading),
      );
  }

  readiness(): Observable<LoadState<Readiness>> {
    return this.http.get<unknown>(READINESS_URL).pipe(
      map((body) => readinessState(body, `unexpected answer from ${READINESS_URL}`)),
      // A 503 still carries the per-dependency details: show them rather than a bare status code.
      catchError((error: unknown) =>
        of(readinessState(error instanceof HttpErrorResponse ? error.error : undefined, messageOf(error))),
      ),
      startWith(loading),
    );
  }
}
