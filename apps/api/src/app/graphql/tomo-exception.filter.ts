import { Catch, type ExceptionFilter } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { TomoException } from '@tomo/shared';

/** Domain errors keep their code and message on the GraphQL door. */
@Catch(TomoException)
export class TomoExceptionFilter implements ExceptionFilter {
  catch(exception: TomoException): GraphQLError {
    // originalError lets formatGraphqlError tell a deliberate message from one to mask.
    return new GraphQLError(exception.message, {
      extensions: { ...exception.details, code: exception.code },
      originalError: exception,
    });
  }
}
