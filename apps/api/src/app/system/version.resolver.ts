import { Query, Resolver } from '@nestjs/graphql';
import { version } from '../../../../../package.json';

@Resolver()
export class VersionResolver {
  @Query(() => String, { description: 'The version of the Tomo API.' })
  version(): string {
    return version;
  }
}
