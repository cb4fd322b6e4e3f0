import type { ArgumentsHost } from '@nestjs/common';
import { HttpException } from '@nestjs/common';
import { runInRequest } from '../request-context';
import { AppError } from './app-error';
import {
  type JobFailureReport,
  type RequestErrorReport,
  reportJobFailure,
  setErrorReporter,
} from './error-reporter';
import { ProblemDetailsFilter } from './problem-details.filter';

/** An HTTP host as Nest hands it to the filter, around a Fastify request and reply. */
function httpHost(): ArgumentsHost {
  const reply = {
    sent: false,
    status: () => reply,
    headers: () => reply,
    type: () => reply,
    send: () => reply,
  };
  const request = {
    id: 'req-1',
    method: 'GET',
    url: '/api/v1/documents/0190?token=secret',
    routeOptions: { url: '/api/v1/documents/:id' },
  };
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
}

describe('error reporting from the problem-details filter', () => {
  const requests: RequestErrorReport[] = [];
  const jobs: JobFailureReport[] = [];
  const filter = new ProblemDetailsFilter();

  beforeAll(() =>
    setErrorReporter({
      requestFailed: (report) => requests.push(report),
      jobFailed: (report) => jobs.push(report),
    }),
  );
  afterAll(() => setErrorReporter(undefined));
  beforeEach(() => {
    requests.length = 0;
    jobs.length = 0;
  });

  /** Runs the filter inside a request's context, as every request runs. */
  const filterInRequest = (error: unknown, actorId: string | null = 'user-1') =>
    runInRequest({ requestId: 'req-1', ip: null, userAgent: null, actorId }, () =>
      filter.catch(error, httpHost()),
    );

  it('reports an unexpected error with the request id, route template and user id', () => {
    const error = new Error('relation "documents" does not exist');
    filterInRequest(error);
    expect(requests).toEqual([
      {
        error,
        status: 500,
        requestId: 'req-1',
        method: 'GET',
        route: '/api/v1/documents/:id',
        userId: 'user-1',
      },
    ]);
  });

  it('reports other 5xx answers, without a user when none signed in', () => {
    filterInRequest(new HttpException('bad gateway', 502), null);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 502, userId: undefined });
  });

  it('does not report 503 (an outage, or shutting down) nor answers under 500', () => {
    filterInRequest(new AppError('unavailable', 'dependency_unavailable', 'Down.'));
    filterInRequest(new AppError('not_found', 'document_not_found', 'No such document.'));
    filterInRequest(new HttpException('Too many', 429));
    expect(requests).toEqual([]);
  });

  it('never lets a failing reporter break the answer or the queue', () => {
    setErrorReporter({
      requestFailed: () => {
        throw new Error('tracker bug');
      },
      jobFailed: () => {
        throw new Error('tracker bug');
      },
    });
    try {
      expect(() => filterInRequest(new Error('boom'))).not.toThrow();
      expect(() =>
        reportJobFailure({
          error: new Error('boom'),
          queue: 'ingestion',
          jobName: 'ingest',
          jobId: 'd:v1',
          attemptsMade: 5,
        }),
      ).not.toThrow();
    } finally {
      setErrorReporter({
        requestFailed: (report) => requests.push(report),
        jobFailed: (report) => jobs.push(report),
      });
    }
  });
});
