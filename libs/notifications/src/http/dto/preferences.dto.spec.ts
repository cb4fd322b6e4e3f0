import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe, ValidationFailedError } from '@docent/common';
import { DEFAULT_PREFERENCES, NOTIFICATION_TYPES } from '../../notification.types';
import { UpdateNotificationPreferencesDto } from './preferences.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: UpdateNotificationPreferencesDto };

async function fieldsOf(body: unknown): Promise<string[]> {
  try {
    await createValidationPipe().transform(body, metadata);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.errors!.map((e) => e.field);
    throw error;
  }
  return [];
}

describe('notification preferences DTOs', () => {
  it('accepts a partial update of known types and channels', async () => {
    const body = { 'document.shared': { email: false }, 'ingestion.failed': {} };
    const value = await createValidationPipe().transform(body, metadata);
    expect(value).toBeInstanceOf(UpdateNotificationPreferencesDto);
    expect(value).toEqual({ 'document.shared': { email: false }, 'ingestion.failed': {} });
  });

  it.each([
    [{ 'chat.answered': { inApp: true } }, ['chat.answered']],
    [{ 'document.shared': { sms: true } }, ['document.shared.sms']],
    [{ 'document.shared': { email: 'no' } }, ['document.shared.email']],
    [{ 'document.shared': true }, ['document.shared']],
  ])('refuses %j with a field error on %j', async (body, fields) => {
    expect(await fieldsOf(body)).toEqual(expect.arrayContaining(fields));
  });

  it.each(NOTIFICATION_TYPES)(
    'accepts every notification type (%s), which has a default',
    async (type) => {
      expect(await fieldsOf({ [type]: { inApp: false, email: true } })).toEqual([]);
      expect(DEFAULT_PREFERENCES[type]).toEqual({
        inApp: expect.any(Boolean),
        email: expect.any(Boolean),
      });
    },
  );
});
