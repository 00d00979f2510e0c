import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ApolloTestingController, ApolloTestingModule } from 'apollo-angular/testing';
import { lastValueFrom, type Observable, toArray } from 'rxjs';
import type { LoadState } from '../load-state';
import { READINESS_URL, SystemStatusService, VERSION_QUERY } from './system-status.service';

function record<T>(source: Observable<LoadState<T>>): LoadState<T>[] {
  const states: LoadState<T>[] = [];
  source.subscribe((state) => states.push(state));
  return states;
}

describe('SystemStatusService', () => {
  let service: SystemStatusService;
  let http: HttpTestingController;
  let graphql: ApolloTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    service = TestBed.inject(SystemStatusService);
    http = TestBed.inject(HttpTestingController);
    graphql = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => {
    http.verify();
    graphql.verify();
  });

  describe('version', () => {
    it('asks the API for { version } and reports it', async () => {
      const states = lastValueFrom(service.version().pipe(toArray()));
      graphql.expectOne(VERSION_QUERY).flush({ data: { version: '1.2.3' } });
      await expect(states).resolves.toEqual([{ status: 'loading' }, { status: 'ok', value: '1.2.3' }]);
    });

    it('reports a network failure instead of erroring', async () => {
      const states = lastValueFrom(service.version().pipe(toArray()));
      graphql.expectOne(VERSION_QUERY).networkError(new Error('Failed to fetch'));
      await expect(states).resolves.toEqual([{ status: 'loading' }, { status: 'error', message: 'Failed to fetch' }]);
    });

    it('reports an answer without a version', async () => {
      const states = lastValueFrom(service.version().pipe(toArray()));
      graphql.expectOne(VERSION_QUERY).flush({ data: null, errors: [{ message: 'boom' }] });
      const last = (await states).at(-1);
      expect(last?.status).toBe('error');
    });
  });

  describe('readiness', () => {
    it('reports the dependencies of a ready API', () => {
      const states = record(service.readiness());
      http.expectOne(READINESS_URL).flush({
        status: 'ok',
        details: { database: { status: 'up' }, redis: { status: 'up' } },
      });
      expect(states.at(-1)).toEqual({
        status: 'ok',
        value: {
          ready: true,
          checks: [
            { name: 'database', label: 'Database', up: true },
            { name: 'redis', label: 'Redis', up: true },
          ],
        },
      });
    });

    it('reads the details of a 503 rather than reporting a bare status code', () => {
      const states = record(service.readiness());
      http
        .expectOne(READINESS_URL)
        .flush(
          { status: 'error', details: { database: { status: 'up' }, redis: { status: 'down', message: 'timed out' } } },
          { status: 503, statusText: 'Service Unavailable' },
        );
      const last = states.at(-1);
      expect(last?.status).toBe('ok');
      expect(last?.status === 'ok' && last.value.ready).toBe(false);
      expect(last?.status === 'ok' && last.value.checks[1]).toEqual({
        name: 'redis',
        label: 'Redis',
        up: false,
        message: 'timed out',
      });
    });

    it('reports an unreachable API', () => {
      const states = record(service.readiness());
      http.expectOne(READINESS_URL).error(new ProgressEvent('error'), { status: 0, statusText: '' });
      expect(states.at(-1)).toEqual({ status: 'error', message: 'the API is unreachable' });
    });

    it('reports an error page that is not a health check', () => {
      const states = record(service.readiness());
      http.expectOne(READINESS_URL).flush('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
      expect(states.at(-1)).toEqual({ status: 'error', message: 'HTTP 502 Bad Gateway' });
    });
  });
});
