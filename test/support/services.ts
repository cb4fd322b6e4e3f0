import { Socket } from 'node:net';

/** Where the tests find PostgreSQL and Redis; override with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when something accepts TCP connections on the URL's host and port within `ms`. */
export function canConnect(url: string, defaultPort: number, ms = 3000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port ? Number(port) : defaultPort, hostname.replace(/^\[|\]$/g, ''), () =>
      done(true),
    );
  });
}

/** Fails fast, naming the missing service and how to start it. */
export async function assertServicesUp(
  databaseUrl = TEST_DATABASE_URL,
  redisUrl = TEST_REDIS_URL,
): Promise<void> {
  const missing: string[] = [];
  if (!(await canConnect(databaseUrl, 5432))) {
    missing.push(
      `PostgreSQL is not reachable at ${new URL(databaseUrl).host} (set TEST_DATABASE_URL, or start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`,
    );
  }
  if (!(await canConnect(redisUrl, 6379))) {
    missing.push(
      `Redis is not reachable at ${new URL(redisUrl).host} (set TEST_REDIS_URL, or start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no)`,
    );
  }
  if (missing.length > 0) {
    throw new Error(`The e2e tests need real services:\n  - ${missing.join('\n  - ')}`);
  }
}
