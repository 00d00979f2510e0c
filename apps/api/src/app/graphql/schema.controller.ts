import { Controller, Get, Header } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { Public } from '../auth/access.decorator';

/**
 * The served schema as SDL, for code generators and other clients, whether or not
 * GRAPHQL_INTROSPECTION lets them introspect `/graphql`. The schema is no secret (the project's
 * source holds it); turning introspection off only keeps ad-hoc exploration off the live endpoint.
 */
@Public()
@Controller('schema.graphql')
export class SchemaController {
  constructor(private readonly schemaHost: GraphQLSchemaHost) {}

  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  sdl(): string {
    return printSchema(this.schemaHost.schema);
  }
}
