import type { Event } from '@sentry/node';
import { scrubEvent, scrubText } from './error-tracking';

describe('scrubEvent', () => {
  it('keeps only the method and the path of a request', () => {
    const event = scrubEvent<Event>({
      request: {
        method: 'POST',
        url: 'http://api.test/api/v1/auth/reset-password?token=reset-secret',
        headers: { authorization: 'Bearer abc.def.ghi', cookie: 'refresh_token=r1' },
        cookies: { refresh_token: 'r1' },
        data: { password: 'hunter2 hunter2' },
        query_string: 'token=reset-secret',
        env: { JWT_ACCESS_SECRET: 'x' },
      },
    });
    expect(event.request).toEqual({
      method: 'POST',
      url: 'http://api.test/api/v1/auth/reset-password',
    });
  });

  it('keeps the user as an id only', () => {
    const event = scrubEvent<Event>({
      user: { id: 'u1', email: 'ada@example.org', ip_address: '10.0.0.1', username: 'ada' },
    });
    expect(event.user).toEqual({ id: 'u1' });
    expect(scrubEvent<Event>({ user: { email: 'ada@example.org' } }).user).toEqual({});
  });

  it('redacts secret-looking keys however deep, and drops breadcrumbs and local variables', () => {
    const event = scrubEvent<Event>({
      tags: { request_id: 'r-1', session: 's' },
      extra: { job: { data: { documentId: 'd1', resetToken: 't', nested: { apiKey: 'k' } } } },
      contexts: { auth: { Authorization: 'Bearer x', userEmail: 'a@b.co' } },
      breadcrumbs: [{ message: 'login ada@example.org' }],
      exception: {
        values: [
          { value: 'boom', stacktrace: { frames: [{ function: 'f', vars: { password: 'p' } }] } },
        ],
      },
    });
    expect(event.tags).toEqual({ request_id: 'r-1', session: '[redacted]' });
    expect(event.extra).toEqual({
      job: {
        data: { documentId: 'd1', resetToken: '[redacted]', nested: { apiKey: '[redacted]' } },
      },
    });
    expect(event.contexts).toEqual({
      auth: { Authorization: '[redacted]', userEmail: '[redacted]' },
    });
    expect(event.breadcrumbs).toBeUndefined();
    expect(event.exception?.values?.[0].stacktrace?.frames?.[0]).toEqual({ function: 'f' });
  });

  it('cuts credentials and e-mail addresses out of error messages', () => {
    const event = scrubEvent<Event>({
      message: 'sent to ada@example.org',
      exception: {
        values: [
          {
            value:
              'duplicate key value violates unique constraint "users_email_unique": Key (email)=(ada@example.org) already exists.',
          },
          { value: 'upstream refused Authorization: Bearer sk-live-123.abc' },
        ],
      },
    });
    expect(event.message).toBe('sent to [redacted]');
    expect(event.exception?.values?.[0].value).toBe(
      'duplicate key value violates unique constraint "users_email_unique": Key (email)=([redacted]) already exists.',
    );
    expect(event.exception?.values?.[1].value).toBe(
      'upstream refused Authorization: Bearer [redacted]',
    );
  });

  it('leaves ordinary text alone', () => {
    expect(scrubText('relation "documents" does not exist')).toBe(
      'relation "documents" does not exist',
    );
    expect(scrubText('job 0190:v1 at @docent/queue failed.')).toBe(
      'job 0190:v1 at @docent/queue failed.',
    );
  });
});
