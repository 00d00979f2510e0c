import { Query, Resolver } from '@nestjs/graphql';
import { version } from '../../../../../package.json';
import { Public } from '../auth/access.decorator';

@Resolver()
export class VersionResolver {
  @Public()
  @Query(() => String, { description: 'The version of the Tomo API.' })
  version(): string {
    return version;
  }
}
