import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { AccountService } from '@docent/auth';
import type { DocentConfig, Env } from '@docent/config';
import { testConfig } from './config';
import { type SmtpCapture, startSmtp } from './smtp';

/** Everything one test file needs: an api, a worker, an SMTP sink, and every log line written. */
export interface Stack {
  api: NestFastifyApplication;
  worker?: NestFastifyApplication;
  http: ReturnType<typeof request>;
  smtp: SmtpCapture;
  config: DocentConfig;
  logs: string[];
  close(): Promise<void>;
}

function capture(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
}

export async function startStack(
  env: Env = {},
  options: { worker?: boolean; imports?: DynamicModule['imports'] } = {},
): Promise<Stack> {
  const smtp = await startSmtp();
  const logs: string[] = [];
  const config = testConfig({
    LOG_LEVEL: 'info',
    SMTP_URL: smtp.url,
    PUBLIC_APP_URL: 'http://docent.test',
    RATE_LIMIT_AUTH: '10000/1m',
    RATE_LIMIT: '10000/1m',
    ...env,
  });
  const api = await createApiApp({ config, logStream: capture(logs), imports: options.imports });
  await api.init();
  await api.getHttpAdapter().getInstance().ready();
  let worker: NestFastifyApplication | undefined;
  if (options.worker) {
    worker = await createWorkerApp({ config, logStream: capture(logs) });
    await worker.init();
  }
  return {
    api,
    worker,
    http: request(api.getHttpServer()),
    smtp,
    config,
    logs,
    async close() {
      await api.close();
      await worker?.close();
      await smtp.close();
    },
  };
}

let counter = 0;

/** A fresh, policy-compliant identity for each test. */
export function newIdentity(prefix = 'user') {
  counter += 1;
  const tag = `${prefix}${counter}${randomBytes(3).toString('hex')}`;
  return {
    email: `${tag}@docent.test`,
    password: `plaid ${randomBytes(6).toString('hex')} kettle orbit`,
    displayName: `Test ${tag}`,
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Gives a user another role the way the admin API does (inside a MikroORM request context). */
export async function setRole(stack: Stack, userId: string, role: string): Promise<void> {
  const accounts = stack.api.get(AccountService);
  await RequestContext.create(stack.api.get(EntityManager), async () => {
    await accounts.setRole((await accounts.findById(userId))!, role);
  });
}

export interface SignedUp {
  token: string;
  id: string;
  email: string;
  displayName: string;
  password: string;
}

/** Registers a fresh user through the API (a member), then gives them `role` when asked. */
export async function signUp(
  stack: Stack,
  options: { role?: string; prefix?: string } = {},
): Promise<SignedUp> {
  const identity = newIdentity(options.prefix);
  const res = await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
  const user = {
    token: res.body.accessToken as string,
    id: res.body.user.id as string,
    email: identity.email,
    displayName: identity.displayName,
    password: identity.password,
  };
  if (options.role && options.role !== 'member') await setRole(stack, user.id, options.role);
  return user;
}
