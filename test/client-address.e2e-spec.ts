import { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent } from '@docent/audit';
import { newIdentity, type Stack, startStack } from './support/stack';

const AUTH_LIMIT = 3;

/**
 * Behind a reverse proxy the client address comes from X-Forwarded-For, which the client can
 * also write: only the hops the configured proxies added may count. Here the test process plays
 * the proxy (it connects from 127.0.0.1) and appends the "real" client after whatever a
 * malicious client put in the header.
 */
describe.each([
  { trustProxy: '1', what: 'one proxy hop' },
  { trustProxy: '127.0.0.1/32', what: 'the proxy by address' },
])('client addresses with TRUST_PROXY=$trustProxy ($what)', ({ trustProxy }) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      TRUST_PROXY: trustProxy,
      RATE_LIMIT_AUTH: `${AUTH_LIMIT}/1m`,
      LOGIN_LOCKOUT_THRESHOLD: '1000',
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const login = (forwardedFor: string, email = newIdentity().email) =>
    stack.http
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', forwardedFor)
      .send({ email, password: 'not the password at all' });

  it('ignores the hops a client forged: rate-limit bucket and audit ip follow the proxy-added address', async () => {
    const email = newIdentity().email;
    const statuses: number[] = [];
    for (const forged of ['1.1.1.1', '2.2.2.2, 3.3.3.3', '::1', 'garbage']) {
      statuses.push((await login(`${forged}, 203.0.113.7`, email)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // another client behind the same proxy has its own budget
    expect((await login('1.1.1.1, 203.0.113.8')).status).toBe(401);

    const events = await stack.api
      .get(EntityManager)
      .fork()
      .find(AuditEvent, { action: 'auth.login' }, { orderBy: { occurredAt: 'asc' } });
    const mine = events.filter((event) => event.metadata.email === email);
    expect(mine.map((event) => event.ip)).toEqual(['203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });

  it('records the proxy-added address on the session', async () => {
    const identity = newIdentity();
    const registered = await stack.http
      .post('/api/v1/auth/register')
      .set('X-Forwarded-For', '6.6.6.6, 198.51.100.23')
      .send(identity)
      .expect(201);
    const sessions = await stack.http
      .get('/api/v1/auth/sessions')
      .set('Authorization', `Bearer ${registered.body.accessToken}`)
      .expect(200);
    expect(sessions.body.items.map((session: { ip: string }) => session.ip)).toEqual([
      '198.51.100.23',
    ]);
  });

  it('counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4', async () => {
    const statuses: number[] = [];
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff:1:2:3']) {
      statuses.push((await login(`9.9.9.9, ${address}`)).status);
    }
    statuses.push((await login('2001:DB8:1:2:0:0:0:99')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // the next /64 is another subscriber
    expect((await login('2001:db8:1:3::1')).status).toBe(401);

    for (let i = 0; i < AUTH_LIMIT; i += 1) {
      expect((await login('192.0.2.55')).status).toBe(401);
    }
    expect((await login('::ffff:192.0.2.55')).status).toBe(429);
  });
});
