import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument, createApiApp } from '../apps/api/src/bootstrap';
import { testConfig } from './support/config';

const COMMITTED = join(__dirname, '..', 'docs', 'openapi.json');

/**
 * The OpenAPI document is committed so reviewers see API changes; this test fails when the code
 * and docs/openapi.json drift apart. `npm run openapi` rewrites the file.
 */
describe('committed OpenAPI document', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApiApp({ config: testConfig() });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('matches what the api generates', () => {
    const generated = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, generated);
    const committed = readFileSync(COMMITTED, 'utf8');
    if (committed !== generated) {
      throw new Error(
        'docs/openapi.json is out of date: run `npm run openapi` and commit the result',
      );
    }
  });
});
