import { applyDecorators, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiParam,
  ApiResponse,
  type ApiResponseOptions,
  ApiTags,
} from '@nestjs/swagger';

/** What every error response is; the status-specific text says which codes to expect. */
export const PROBLEM_DETAILS = 'RFC 9457 problem details';
export const RATE_LIMITED = 'Rate limited; see Retry-After';

/** The error statuses Docent answers with (each as problem details). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** A description, or the full options when the body has its own schema (e.g. an upload result). */
export type ProblemResponses = Partial<Record<ProblemStatus, string | ApiResponseOptions>>;

/**
 * The error responses of an endpoint (or of every endpoint of a controller) in one decorator:
 * `@ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })` documents the same
 * as the matching `@ApiBadRequestResponse(...)`/`@ApiNotFoundResponse(...)` stack.
 */
export function ApiProblemResponses(responses: ProblemResponses): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ...Object.entries(responses).map(([status, response]) =>
      ApiResponse({
        ...(typeof response === 'string' ? { description: response } : response),
        status: Number(status),
      } as ApiResponseOptions),
    ),
  );
}

/**
 * The OpenAPI head of a controller whose routes need a signed-in caller: its tag, the bearer
 * scheme, a 401 as problem details, and the responses every route of it shares (e.g. 429).
 */
export function ApiSignedIn(tag: string, responses: ProblemResponses = {}): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth('bearer'),
    ApiProblemResponses({ 401: PROBLEM_DETAILS, ...responses }),
  );
}

// any version: this checks the shape; whether such a row exists is the service's question
const UUID_PIPE = new ParseUUIDPipe({ version: undefined });

/**
 * A path parameter that must be a UUID (400 otherwise), documented as `format: uuid` with the
 * description when one is given: `@UuidParam('id', 'The document id') id: string`.
 */
export function UuidParam(name: string, description?: string): ParameterDecorator {
  const param = Param(name, UUID_PIPE);
  return (target, key, index) => {
    param(target, key, index);
    if (description === undefined || key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) ApiParam({ name, format: 'uuid', description })(target, key, descriptor);
  };
}
