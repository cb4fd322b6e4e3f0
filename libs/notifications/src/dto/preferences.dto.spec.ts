import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '@docent/common';
import { refusedFields } from '../../../../test/support/validation';
import {
  ALWAYS_ON_TYPES,
  DEFAULT_PREFERENCES,
  isAlwaysOn,
  NOTIFICATION_TYPES,
} from '../notification.types';
import { UpdateNotificationPreferencesDto } from './preferences.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: UpdateNotificationPreferencesDto };

const fieldsOf = (body: unknown) => refusedFields(body, metadata);

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
      // a security notice takes only `true` (checked below)
      const inApp = isAlwaysOn(type);
      expect(await fieldsOf({ [type]: { inApp, email: true } })).toEqual([]);
      expect(DEFAULT_PREFERENCES[type]).toEqual({
        inApp: expect.any(Boolean),
        email: expect.any(Boolean),
      });
    },
  );
});

describe('security notices', () => {
  it.each(ALWAYS_ON_TYPES)('refuses turning %s off, channel by channel', async (type) => {
    expect(await fieldsOf({ [type]: { inApp: false } })).toEqual([`${type}.inApp`]);
    expect(await fieldsOf({ [type]: { email: false } })).toEqual([`${type}.email`]);
    expect(await fieldsOf({ [type]: { inApp: true, email: true } })).toEqual([]);
    expect(DEFAULT_PREFERENCES[type]).toEqual({ inApp: true, email: true });
  });

  it('are the security types and nothing else', () => {
    expect(NOTIFICATION_TYPES.filter(isAlwaysOn)).toEqual([
      'security.password_changed',
      'security.new_sign_in',
    ]);
  });
});
