import { resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';

/**
 * The checked-in SDL the console's types are generated from (`npm run schema` rewrites it;
 * api-schema.integration.spec.ts fails when it differs from what the code serves).
 */
export const SCHEMA_FILE = resolve(__dirname, '../../../../../schema.graphql');

/** The schema the running API serves, as SDL (sorted: `sortSchema` in AppModule). */
export function printApiSchema(app: INestApplicationContext): string {
  return `${printSchema(app.get(GraphQLSchemaHost).schema)}\n`;
}
