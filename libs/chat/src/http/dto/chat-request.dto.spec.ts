import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe, DEFAULT_PAGE_SIZE } from '@docent/common';
import { refusedFields } from '../../../../../test/support/validation';
import { MessagesQueryDto } from './chat-request.dto';

const metadata: ArgumentMetadata = { type: 'query', metatype: MessagesQueryDto };

const fieldsOf = (query: unknown) => refusedFields(query, metadata);

describe('MessagesQueryDto (limit from PageQueryDto, a message id as cursor)', () => {
  const id = '0190f0e2-7c1a-7b3e-9a55-3f1e2d4c5b6a';

  it('defaults limit like every list and converts the query string', async () => {
    expect(await createValidationPipe().transform({}, metadata)).toEqual({
      limit: DEFAULT_PAGE_SIZE,
    });
    expect(await createValidationPipe().transform({ before: id, limit: '5' }, metadata)).toEqual({
      before: id,
      limit: 5,
    });
  });

  it('refuses a limit out of range and a cursor that is not a message id', async () => {
    expect(await fieldsOf({ limit: '0' })).toEqual(['limit']);
    expect(await fieldsOf({ limit: '101' })).toEqual(['limit']);
    expect(new Set(await fieldsOf({ limit: 'ten' }))).toEqual(new Set(['limit']));
    expect(await fieldsOf({ before: 'not-an-id' })).toEqual(['before']);
  });
});
