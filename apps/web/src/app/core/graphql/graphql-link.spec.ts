import { ApolloLink } from '@apollo/client';
import { gql } from '@apollo/client';
import { execute } from '@apollo/client/link';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { firstValueFrom, of } from 'rxjs';
import { createSplitLink, graphqlWsUrl } from './graphql-link';

function terminating(name: string): ApolloLink {
  return new ApolloLink(() => of({ data: { via: name } }));
}

describe('createSplitLink', () => {
  const client = new ApolloClient({ link: ApolloLink.empty(), cache: new InMemoryCache() });

  function run(link: ApolloLink, query: string): Promise<unknown> {
    return firstValueFrom(execute(link, { query: gql(query) }, { client }));
  }

  it('sends queries and mutations over HTTP without loading the WebSocket link', async () => {
    const loadWsLink = jest.fn(() => Promise.resolve(terminating('ws')));
    const link = createSplitLink(terminating('http'), loadWsLink);

    await expect(run(link, '{ version }')).resolves.toEqual({ data: { via: 'http' } });
    await expect(run(link, 'mutation { ping }')).resolves.toEqual({ data: { via: 'http' } });
    expect(loadWsLink).not.toHaveBeenCalled();
  });

  it('sends subscriptions over the WebSocket link, loading it once', async () => {
    const loadWsLink = jest.fn(() => Promise.resolve(terminating('ws')));
    const link = createSplitLink(terminating('http'), loadWsLink);

    await expect(run(link, 'subscription { jobUpdated }')).resolves.toEqual({ data: { via: 'ws' } });
    await expect(run(link, 'subscription { jobUpdated }')).resolves.toEqual({ data: { via: 'ws' } });
    expect(loadWsLink).toHaveBeenCalledTimes(1);
  });

  it('tries to load the WebSocket link again after a failed load', async () => {
    const loadWsLink = jest
      .fn<Promise<ApolloLink>, []>()
      .mockRejectedValueOnce(new Error('chunk failed'))
      .mockResolvedValue(terminating('ws'));
    const link = createSplitLink(terminating('http'), loadWsLink);

    await expect(run(link, 'subscription { jobUpdated }')).rejects.toThrow('chunk failed');
    await expect(run(link, 'subscription { jobUpdated }')).resolves.toEqual({ data: { via: 'ws' } });
  });
});

describe('graphqlWsUrl', () => {
  it('uses ws: next to http: and wss: next to https:', () => {
    expect(graphqlWsUrl({ protocol: 'http:', host: '127.0.0.1:3000' }, '/graphql')).toBe('ws://127.0.0.1:3000/graphql');
    expect(graphqlWsUrl({ protocol: 'https:', host: 'tomo.lan' }, '/graphql')).toBe('wss://tomo.lan/graphql');
  });
});
