import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { AppError, NotFoundError, ValidationFailedError } from './app-error';
import { OUTAGE_RETRY_AFTER_SECONDS } from './dependency-outage';
import { toProblem } from './problem-details';

const ctx = { instance: '/api/v1/things/1', requestId: 'req-1' };

describe('toProblem', () => {
  it('maps a domain error to its status, code and type, keeping its message', () => {
    const { problem, unexpected } = toProblem(
      new AppError('conflict', 'email_taken', 'That e-mail is registered.'),
      ctx,
    );
    expect(problem).toEqual({
      type: 'https://docent.dev/problems/email_taken',
      title: 'Conflict',
      status: 409,
      detail: 'That e-mail is registered.',
      instance: '/api/v1/things/1',
      requestId: 'req-1',
      code: 'email_taken',
    });
    expect(unexpected).toBe(false);
  });

  it('lists field errors and sets Retry-After', () => {
    const validation = toProblem(
      new ValidationFailedError([{ field: 'email', message: 'email must be an email' }]),
      ctx,
    );
    expect(validation.problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'email', message: 'email must be an email' }],
    });
    const limited = toProblem(
      new AppError('rate_limited', 'too_many_logins', 'Slow down.', { retryAfterSeconds: 2.2 }),
      ctx,
    );
    expect(limited.headers).toEqual({ 'retry-after': '3' });
    expect(limited.problem.status).toBe(429);
  });

  it('derives a not-found code from the resource', () => {
    expect(toProblem(new NotFoundError('Document'), ctx).problem).toMatchObject({
      status: 404,
      code: 'document_not_found',
    });
  });

  it('keeps extension members but never lets them override the standard ones', () => {
    const error = new AppError('unavailable', 'dependency_unavailable', 'Redis is down.', {
      extensions: { checks: { redis: 'down' }, status: 200, requestId: 'forged' },
    });
    const { problem } = toProblem(error, ctx);
    expect(problem).toMatchObject({ status: 503, requestId: 'req-1', checks: { redis: 'down' } });
  });

  it('maps framework HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), ctx).problem).toMatchObject({
      status: 404,
      code: 'not_found',
      detail: 'The requested resource does not exist.',
      type: 'about:blank',
    });
    expect(
      toProblem(new NotFoundException('Cannot PROPFIND /x?token=secret'), ctx).problem.detail,
    ).toBe('The requested resource does not exist.');
    expect(toProblem(new PayloadTooLargeException(), ctx).problem).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
    expect(toProblem(new BadRequestException('Body is not valid JSON'), ctx).problem).toMatchObject(
      {
        status: 400,
        detail: 'Body is not valid JSON',
      },
    );
  });

  it('hides the message of unexpected errors and flags them for logging', () => {
    for (const error of [
      new Error('duplicate key value violates unique constraint "users_pkey"'),
      new HttpException('internal db detail', 500),
      'thrown string',
    ]) {
      const { problem, unexpected } = toProblem(error, ctx);
      expect(unexpected).toBe(true);
      expect(problem).toMatchObject({ status: 500, code: 'internal_error', type: 'about:blank' });
      expect(problem.detail).not.toMatch(/duplicate|users_pkey|db detail/);
    }
  });

  it('answers 503 with Retry-After when PostgreSQL or Redis is unreachable', () => {
    class ConnectionException extends Error {}
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    for (const error of [new ConnectionException('db down'), refused]) {
      const { problem, headers, unexpected } = toProblem(error, ctx);
      expect(problem).toMatchObject({ status: 503, code: 'dependency_unavailable' });
      expect(problem.detail).not.toContain('5432');
      expect(headers['retry-after']).toBe(String(OUTAGE_RETRY_AFTER_SECONDS));
      expect(unexpected).toBe(false);
    }
  });

  it('answers 503 while a Redis Cluster fails over (the errors ioredis gives then)', () => {
    class ReplyError extends Error {}
    class ClusterAllFailedError extends Error {}
    for (const error of [
      new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
      new Error(
        'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
      ),
      new ReplyError('CLUSTERDOWN The cluster is down'),
      new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'),
      new ClusterAllFailedError('Failed to refresh slots cache.'),
      new Error('None of startup nodes is available'),
    ]) {
      const { problem, headers, unexpected } = toProblem(error, ctx);
      expect(problem).toMatchObject({ status: 503, code: 'dependency_unavailable' });
      expect(headers['retry-after']).toBe('2');
      expect(unexpected).toBe(false);
    }
    // any other reply error is still a bug
    expect(toProblem(new ReplyError('WRONGTYPE Operation against a key'), ctx).problem.status).toBe(
      500,
    );
  });

  it('does not flag a dependency outage (503) as a bug', () => {
    expect(toProblem(new AppError('unavailable', 'x', 'down'), ctx).unexpected).toBe(false);
    expect(toProblem(new AppError('internal', 'x', 'oops'), ctx).unexpected).toBe(true);
  });
});
