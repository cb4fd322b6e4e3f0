import 'reflect-metadata';
import { ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn, UuidParam } from './api-decorators';

// the metadata keys of @nestjs/swagger and @nestjs/common (their constants are not exported)
const API_RESPONSE = 'swagger/apiResponse';
const API_PARAMETERS = 'swagger/apiParameters';
const ROUTE_ARGS_METADATA = '__routeArguments__';

@ApiTags('things')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'RFC 9457 problem details' })
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
class StackedController {}

@ApiSignedIn('things', { 429: 'Rate limited; see Retry-After' })
class ComposedController {}

class Stacked {
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such thing' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The id' })
  get(id: string): string {
    return id;
  }
}

class Composed {
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: { description: 'No such thing' } })
  get(@UuidParam('id', 'The id') id: string): string {
    return id;
  }

  bare(@UuidParam('id') id: string): string {
    return id;
  }
}

describe('ApiProblemResponses and UuidParam', () => {
  it('document the same responses and parameter as the decorator stack they replace', () => {
    for (const key of [API_RESPONSE, API_PARAMETERS]) {
      expect(Reflect.getMetadata(key, Composed.prototype.get)).toEqual(
        Reflect.getMetadata(key, Stacked.prototype.get),
      );
    }
  });

  it('validate the path parameter as a UUID of any version', async () => {
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Composed, 'get') as Record<
      string,
      { data: string; pipes: ParseUUIDPipe[] }
    >;
    const [param] = Object.values(args);
    expect(param.data).toBe('id');
    const [pipe] = param.pipes;
    const meta = { type: 'param' as const, data: 'id' };
    await expect(pipe.transform('0192f0c4-3b1e-7cc2-9a3e-3f1c2b4d5e6f', meta)).resolves.toBe(
      '0192f0c4-3b1e-7cc2-9a3e-3f1c2b4d5e6f',
    );
    await expect(
      pipe.transform('9b2e1c9e-0d7a-4f4e-8a51-2f3c4d5e6f70', meta),
    ).resolves.toBeTruthy();
    await expect(pipe.transform('not-a-uuid', meta)).rejects.toThrow();
  });

  it('leave the parameter undocumented without a description', () => {
    expect(Reflect.getMetadata(API_PARAMETERS, Composed.prototype.bare)).toBeUndefined();
  });

  it('ApiSignedIn documents a controller as its tag, bearer and 401 stack does', () => {
    for (const key of ['swagger/apiUseTags', 'swagger/apiSecurity', API_RESPONSE]) {
      expect(Reflect.getMetadata(key, ComposedController)).toEqual(
        Reflect.getMetadata(key, StackedController),
      );
    }
    expect(Reflect.getMetadata('swagger/apiUseTags', ComposedController)).toEqual(['things']);
  });
});
