import { createServer } from 'node:net';
import { assertServicesUp, TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services';

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the test run’s service check', () => {
  it('passes when PostgreSQL and Redis answer', async () => {
    await expect(assertServicesUp()).resolves.toBeUndefined();
  });

  it('names each missing service and how to start it', async () => {
    const port = await closedPort();
    await expect(
      assertServicesUp(`postgresql://postgres@127.0.0.1:${port}/x`, TEST_REDIS_URL),
    ).rejects.toThrow(
      new RegExp(`PostgreSQL is not reachable at 127\\.0\\.0\\.1:${port}.*pg_ctlcluster`),
    );
    await expect(assertServicesUp(TEST_DATABASE_URL, `redis://127.0.0.1:${port}`)).rejects.toThrow(
      /Redis is not reachable at 127\.0\.0\.1:\d+.*redis-server/,
    );
  });
});
