import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';

export interface RequestContextSnapshot {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  actorId: string | null;
}

/**
 * What one HTTP request carries through its async work: who is calling (for audit entries,
 * sessions and log lines) and, once something asks for it, the request's own MikroORM entity
 * manager (`entityManager`, owned by libs/database, which forks it on first use).
 */
export interface RequestStore {
  readonly requestId: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  actorId: string | null;
  entityManager?: unknown;
}

/**
 * The one async context of a request, entered once by the first `onRequest` hook
 * (`applyHttpBasics`); the request log line, audit entries and the ORM read it from here. One
 * AsyncLocalStorage for all of them: each `run` is paid on every request.
 */
const requestStorage = new AsyncLocalStorage<RequestStore>();

/** Runs `next` (the rest of the request's handling) inside `store`. */
export function runInRequest(store: RequestStore, next: () => void): void {
  requestStorage.run(store, next);
}

/** The request in progress, or undefined outside one (jobs, sockets, start-up). */
export function currentRequest(): RequestStore | undefined {
  return requestStorage.getStore();
}

const NO_CALLER: RequestContextSnapshot = Object.freeze({
  requestId: null,
  ip: null,
  userAgent: null,
  actorId: null,
});

/**
 * The caller of the current request, read from the async context: request id, client address
 * and agent, and the authenticated user once the guard has run.
 */
@Injectable()
export class RequestContext {
  snapshot(): RequestContextSnapshot {
    const store = requestStorage.getStore();
    if (!store) return NO_CALLER;
    return {
      requestId: store.requestId,
      ip: store.ip,
      userAgent: store.userAgent,
      actorId: store.actorId,
    };
  }

  setActor(userId: string): void {
    const store = requestStorage.getStore();
    if (store) store.actorId = userId;
  }
}
