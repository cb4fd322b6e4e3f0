import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import request from 'supertest';
import { signUp, type Stack, startStack } from './support/stack';

const ROOT = join(__dirname, '..');

interface AlertRules {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

/** Series names a scrape can hold: every `# TYPE` line's name, with a histogram's/summary's parts. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    if (type === 'summary') ['_sum', '_count'].forEach((s) => names.add(name + s));
  }
  return names;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * The metric names a PromQL expression reads: label matchers (`{…}`), grouping lists
 * (`by (…)`), ranges (`[5m]`), strings and numbers removed, what is left that is not a function
 * call or a keyword.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice((match.index ?? 0) + word.length);
    if (/^\s*\(/.test(after) || PROMQL_WORDS.has(word)) continue;
    names.push(word);
  }
  return names;
}

/**
 * The shipped alerting rules and Grafana dashboard read only metrics the apps really export
 * (issue 16): both apps are scraped after some traffic, and every name in every rule and panel
 * must be in one of the scrapes (`up` is Prometheus's own).
 */
describe('metrics the dashboards and alerts read', () => {
  let stack: Stack;
  let apiScrape: string;
  let workerScrape: string;

  beforeAll(async () => {
    stack = await startStack({}, { worker: true });
    await stack.worker!.getHttpAdapter().getInstance().ready();
    const user = await signUp(stack);
    await stack.http
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: 'not the password at all' })
      .expect(401);
    await stack.http
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    apiScrape = (await stack.http.get('/metrics').expect(200)).text;
    workerScrape = (await request(stack.worker!.getHttpServer()).get('/metrics').expect(200)).text;
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'sum by (route) (rate(http_request_duration_seconds_count{app="api",route=~"/a{1}"}[5m])) / clamp_min(up, 1e-9) > 0.2',
      ),
    ).toEqual(['http_request_duration_seconds_count', 'up']);
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))')).toEqual([
      'x_bucket',
    ]);
  });

  it('counts sign-ins by outcome on the api', () => {
    const value = (outcome: string) =>
      Number(
        apiScrape.match(
          new RegExp(`^auth_logins_total\\{outcome="${outcome}",app="api"\\} (\\S+)$`, 'm'),
        )?.[1],
      );
    expect(value('invalid_credentials')).toBeGreaterThanOrEqual(1);
    expect(value('success')).toBeGreaterThanOrEqual(1);
    expect(apiScrape).toMatch(/^storage_disk_free_bytes\{app="api"\} [1-9]\d*$/m);
    expect(apiScrape).toMatch(
      /^cache_lookups_total\{cache="caller_abilities",result="(hit|miss)",app="api"\} \d+$/m,
    );
  });

  it('exports every metric deploy/prometheus/alerts.yml reads', () => {
    const rules = load(
      readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8'),
    ) as AlertRules;
    const exported = new Set([...exportedNames(apiScrape), ...exportedNames(workerScrape), 'up']);
    const exprs = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(7);
    const missing = exprs.flatMap(metricNames).filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
  });

  it('exports every metric deploy/grafana/docent.json reads', () => {
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy/grafana/docent.json'), 'utf8'),
    ) as Dashboard;
    const exported = new Set([...exportedNames(apiScrape), ...exportedNames(workerScrape)]);
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const missing = exprs.flatMap(metricNames).filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = 'metrics-token-0123456789abcdefghijklmnop';
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ METRICS_TOKEN: token }, { worker: true });
    await stack.worker!.getHttpAdapter().getInstance().ready();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers only the bearer token, on both apps', async () => {
    for (const http of [stack.http, request(stack.worker!.getHttpServer())]) {
      for (const header of [
        undefined,
        'Bearer wrong-token',
        `Basic ${token}`,
        `Bearer ${token}x`,
      ]) {
        const req = http.get('/metrics');
        const res = await (header ? req.set('Authorization', header) : req);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('metrics_token_required');
        expect(res.text).not.toContain('http_request_duration_seconds');
      }
      const ok = await http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(ok.text).toContain('# TYPE http_request_duration_seconds histogram');
    }
  });
});
