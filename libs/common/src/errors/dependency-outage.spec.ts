import { AppError } from './app-error';
import {
  asOutageAnswer,
  DEPENDENCY_UNAVAILABLE,
  dependencyUnavailable,
  isDependencyOutage,
} from './dependency-outage';
import { toProblem } from './problem-details';

const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });
const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDependencyOutage', () => {
  it.each([
    ['ioredis: retries exhausted', named('MaxRetriesPerRequestError')],
    ['ioredis: connection closed', new Error('Connection is closed.')],
    ['ioredis: command timeout', new Error('Command timed out')],
    [
      'ioredis: no offline queue',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['ioredis cluster', named('ClusterAllFailedError', 'Failed to refresh slots cache.')],
    ['socket refused', coded('ECONNREFUSED')],
    ['socket reset', coded('ECONNRESET')],
    ['socket timeout', coded('ETIMEDOUT')],
    ['a full disk', coded('ENOSPC', 'no space left on device')],
    ['a failing disk', coded('EIO', 'i/o error')],
    ['MikroORM connection', named('ConnectionException')],
    ['pg terminated', new Error('Connection terminated unexpectedly')],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect')],
    // what the chaos suite saw: the statement before the driver's message
    [
      'MikroORM: connection lost mid-query',
      named('DriverException', 'select 1 from "users" - Connection terminated unexpectedly'),
    ],
    [
      'MikroORM: a client after a connection error',
      named(
        'DriverException',
        'update "documents" set "x" = 1 - Client has encountered a connection error and is not queryable',
      ),
    ],
    [
      'PostgreSQL shutting down',
      coded('57P01', 'terminating connection due to administrator command'),
    ],
    ['SQLSTATE class 08', coded('08006', 'connection failure')],
    ['a wrapped cause', new Error('enqueue failed', { cause: coded('ECONNREFUSED') })],
    [
      'an AggregateError of refusals',
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
    ],
    ['an unavailable AppError', new AppError('unavailable', 'llm_unavailable', 'down')],
  ])('recognises %s', (_label, error) => {
    expect(isDependencyOutage(error)).toBe(true);
  });

  it.each([
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a constraint violation', coded('23505', 'duplicate key value')],
    [
      'a query error that mentions the words',
      named('DriverException', "select 'Connection terminated' - syntax error at or near"),
    ],
    ['a misconfigured storage directory', coded('EACCES', 'permission denied')],
    ['an auth error', new AppError('unauthenticated', 'invalid_token', 'no')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    [
      'a cycle',
      (() => {
        const e = new Error('loop') as Error & { cause?: unknown };
        e.cause = e;
        return e;
      })(),
    ],
  ])('does not take %s for an outage', (_label, error) => {
    expect(isDependencyOutage(error)).toBe(false);
  });
});

describe('the outage answer', () => {
  it('is 503 dependency_unavailable with Retry-After, however the error arrived', () => {
    for (const error of [
      named('MaxRetriesPerRequestError'),
      new Error('Command timed out'),
      dependencyUnavailable(),
    ]) {
      const { problem, headers, unexpected } = toProblem(error, { instance: '/x', requestId: 'r' });
      expect(problem.status).toBe(503);
      expect(problem.code).toBe(DEPENDENCY_UNAVAILABLE);
      expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(unexpected).toBe(false);
    }
  });

  it('asOutageAnswer keeps domain errors and bugs as they are', () => {
    const domain = new AppError('unauthenticated', 'invalid_token', 'no');
    const bug = new TypeError('oops');
    expect(asOutageAnswer(domain)).toBe(domain);
    expect(asOutageAnswer(bug)).toBe(bug);
    expect(asOutageAnswer(coded('ECONNRESET'))).toMatchObject({
      kind: 'unavailable',
      code: DEPENDENCY_UNAVAILABLE,
    });
  });
});
