import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, loadConfig, type Env, type RedisSettings } from '@docent/config';
import * as queueLibrary from '@docent/queue';
import {
  KUSTOMIZE_DIR,
  ROOT,
  containerEnv,
  countByKind,
  dataOf,
  envExampleNames,
  kubectlVersion,
  mountedFiles,
  render,
  roleOf,
  ruleProblems,
  schemaProblems,
  workloads,
  type K8sObject,
  type Role,
  type RuleContext,
} from './support/kubernetes';

/**
 * deploy/kubernetes, checked without a cluster (issue 13): both kustomizations render with
 * kubectl, every object passes the Kubernetes and KEDA schemas (kubernetes-models, including
 * unknown fields), Docent's own rules hold, and the api, worker and migration containers would
 * start in production with exactly the environment the manifests give them.
 */

const BASE = join(KUSTOMIZE_DIR, 'base');
const CLUSTER = join(KUSTOMIZE_DIR, 'overlays', 'cluster');

/**
 * Variables whose .env.example value only suits a local run: every api and worker container must
 * get them, non-empty, from the manifests.
 */
const REQUIRED = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'WORKER_HTTP_PORT',
  'PUBLIC_APP_URL',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'SMTP_URL',
  'MAIL_FROM',
  'JWT_ACCESS_SECRET',
  'DATA_ENCRYPTION_KEYS',
  'DATA_ENCRYPTION_ACTIVE_KEY',
  'STORAGE_DIR',
];

const context: RuleContext = { envNames: envExampleNames(), requiredNames: REQUIRED };

function generateEnv(): Record<string, string> {
  const text = execFileSync('sh', [join(ROOT, 'scripts/generate-env.sh')], { encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (!line.startsWith('#') && at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function container(objects: K8sObject[], role: Role) {
  for (const workload of workloads(objects)) {
    const found = workload.template.spec.containers.find((c) => roleOf(c) === role);
    if (found) return { workload, container: found };
  }
  throw new Error(`no ${role} container`);
}

/**
 * The environment the container of `role` starts with, as an operator following the comments
 * would deploy it: CHANGE-ME-<NAME> replaced by <NAME> from scripts/generate-env.sh, a bare
 * CHANGE-ME by a value of their own, and files named by *_CA variables taken from the volume
 * mounted there (written to a scratch directory, since the apps read them at start-up).
 */
function deployedEnv(objects: K8sObject[], role: Role, scratch: string): Env {
  const generated = generateEnv();
  const { workload, container: c } = container(objects, role);
  const { env } = containerEnv(objects, c);
  const files = mountedFiles(objects, workload.template, c);
  const out: Env = {};
  for (const [name, raw] of Object.entries(env)) {
    let value = raw.replace(/CHANGE-ME-([A-Z][A-Z0-9_]*)/g, (_, source: string) => {
      if (!generated[source]) throw new Error(`${name}: generate-env.sh prints no ${source}`);
      return generated[source];
    });
    value = value.replace(/CHANGE-ME/g, () => randomBytes(12).toString('hex'));
    const file = files.get(value);
    if (file !== undefined) {
      value = join(scratch, `${role}-${name}`);
      writeFileSync(value, file);
    }
    out[name] = value;
  }
  return out;
}

/** loadConfig's problems for an environment ([] when it loads). */
function configProblems(env: Env): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
}

/** Whether libs/config accepts the cluster form of REDIS_URL yet (the Redis Cluster work). */
const clusterUrlsAccepted = !configProblems({
  REDIS_URL: 'redis+cluster://redis-a:6379,redis-b:6379',
}).some((p) => p.startsWith('REDIS_URL'));

const { QUEUES } = queueLibrary;

/**
 * bull's key prefix of the ingestion queue for an environment: libs/queue's own `bullPrefix`
 * once it exists (the Redis Cluster work adds it), else the single-node layout read from
 * queue.module.ts, failing loudly if that changed without this file and the manifests.
 */
function ingestionPrefix(env: Env): string {
  const bullPrefix = (
    queueLibrary as unknown as {
      bullPrefix?: (settings: RedisSettings, queue: string) => string;
    }
  ).bullPrefix;
  const cluster = /^rediss?\+cluster:/.test(env.REDIS_URL ?? '');
  if (bullPrefix && (!cluster || clusterUrlsAccepted)) {
    return bullPrefix(loadConfig(env).redis, QUEUES.ingestion);
  }
  const queueModule = readFileSync(join(ROOT, 'libs/queue/src/queue.module.ts'), 'utf8');
  if (!/prefix: `\$\{settings\.keyPrefix\}bull`/.test(queueModule)) {
    throw new Error(
      "bull's prefix changed in libs/queue/src/queue.module.ts: update listName in " +
        'deploy/kubernetes/*/worker-scaledobject.yaml and this expectation',
    );
  }
  // on a cluster, a hash tag per queue (the layout of the Redis Cluster work)
  return cluster
    ? `${env.REDIS_KEY_PREFIX}bull:{${QUEUES.ingestion}}`
    : `${env.REDIS_KEY_PREFIX}bull`;
}

interface Trigger {
  type: string;
  metadata: Record<string, string>;
}
function triggers(objects: K8sObject[]): Trigger[] {
  const scaler = objects.find((o) => o.kind === 'ScaledObject');
  return ((scaler?.spec as { triggers?: Trigger[] } | undefined)?.triggers ?? []).slice();
}

/** host:port of each node in a redis://, rediss:// or redis+cluster:// URL. */
function redisAddresses(url: string): string[] {
  const match = /^rediss?(?:\+cluster)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(url);
  return (match?.[1] ?? '').split(',').map((node) => (node.includes(':') ? node : `${node}:6379`));
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  let version: string;
  let base: K8sObject[];
  let cluster: K8sObject[];
  let scratch: string;

  beforeAll(() => {
    version = kubectlVersion(); // throws "kubectl is needed ... install it" when missing
    base = render(BASE);
    cluster = render(CLUSTER);
    scratch = mkdtempSync(join(tmpdir(), 'docent-k8s-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('render with kubectl kustomize: the base and the cluster overlay', () => {
    const summary = (objects: K8sObject[]) =>
      Object.entries(countByKind(objects))
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
    process.stdout.write(
      `kubectl: ${version.split('\n')[0]}\n` +
        `base: ${base.length} objects (${summary(base)})\n` +
        `overlays/cluster: ${cluster.length} objects (${summary(cluster)})\n`,
    );
    const expected = {
      ConfigMap: 1,
      Secret: 2,
      PersistentVolumeClaim: 1,
      Service: 1,
      Ingress: 2,
      Deployment: 2,
      HorizontalPodAutoscaler: 1,
      PodDisruptionBudget: 2,
      Job: 1,
      ScaledObject: 1,
    };
    expect(countByKind(base)).toEqual(expected);
    // the overlay adds the PostgreSQL CA's Secret
    expect(countByKind(cluster)).toEqual({ ...expected, Secret: 3 });
  });

  it.each([
    ['base', () => base],
    ['overlays/cluster', () => cluster],
  ])('%s: every object passes the Kubernetes and KEDA schemas, no unknown field', (_, objects) => {
    expect(schemaProblems(objects())).toEqual([]);
  });

  it.each([
    ['base', () => base],
    ['overlays/cluster', () => cluster],
  ])(
    "%s: Docent's rules (resources, probes, hardening, .env.example names, selectors, targets)",
    (_, objects) => {
      expect(ruleProblems(objects(), context)).toEqual([]);
    },
  );

  it("runs the Dockerfile's commands as its user", () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m);
    // uid 1000 is the node user of the official node images
    for (const { template } of workloads(base)) {
      expect(template.spec.securityContext?.runAsUser).toBe(1000);
      for (const c of template.spec.containers) {
        const script = (c.command ?? []).find((part) => part.endsWith('.js'));
        expect(dockerfile).toContain(script);
        expect(dockerfile).toMatch(/STORAGE_DIR=\/app\/var\/storage/);
      }
    }
  });

  it.each([
    ['base', () => base],
    ['overlays/cluster', () => cluster],
  ])(
    '%s: api, worker and migration start in production with this environment (secrets from generate-env.sh)',
    (name, objects) => {
      for (const role of ['api', 'worker', 'migrate'] as const) {
        const problems = configProblems(deployedEnv(objects(), role, scratch));
        const pending =
          name === 'overlays/cluster' && !clusterUrlsAccepted
            ? problems.filter((p) => !p.startsWith('REDIS_URL'))
            : problems;
        expect({ role, problems: pending }).toEqual({ role, problems: [] });
      }
    },
  );

  it('refuses to start with the Secrets as committed (placeholders)', () => {
    for (const role of ['api', 'worker'] as const) {
      const { container: c } = container(base, role);
      const problems = configProblems(containerEnv(base, c).env);
      expect(problems.join('\n')).toMatch(/^JWT_ACCESS_SECRET /m);
      expect(problems.join('\n')).toMatch(/^DATA_ENCRYPTION_KEYS holds a placeholder/m);
    }
  });

  it('gives the migration the owner role and the apps the least-privilege role', () => {
    const urlOf = (objects: K8sObject[], role: Role) =>
      containerEnv(objects, container(objects, role).container).env;
    for (const objects of [base, cluster]) {
      const migrate = urlOf(objects, 'migrate');
      for (const role of ['api', 'worker'] as const) {
        const app = urlOf(objects, role);
        expect(new URL(app.DATABASE_URL).username).toBe(migrate.DATABASE_APP_ROLE);
        expect(app.DATABASE_APP_ROLE).toBeUndefined();
        expect(app.DATABASE_APP_PASSWORD).toBeUndefined();
        expect(new URL(app.DATABASE_URL).host).toBe(new URL(migrate.DATABASE_URL).host);
      }
      expect(new URL(migrate.DATABASE_URL).username).not.toBe(migrate.DATABASE_APP_ROLE);
      // the same placeholder, so generate-env.sh's one password ends up in both
      expect(new URL(urlOf(objects, 'api').DATABASE_URL).password).toBe(
        migrate.DATABASE_APP_PASSWORD,
      );
    }
  });

  it("scales the workers with KEDA on bull's ingestion lists, on the Redis the apps use", () => {
    // bull keeps a queue's waiting and running job ids in the lists <prefix>:<queue>:wait|active
    const env = deployedEnv(base, 'worker', scratch);
    const prefix = `${ingestionPrefix(env)}:${QUEUES.ingestion}`;
    expect(prefix).toBe('docent:bull:ingestion');
    expect(triggers(base)).toEqual([
      {
        type: 'redis',
        metadata: expect.objectContaining({ listName: `${prefix}:wait` }) as unknown,
      },
      {
        type: 'redis',
        metadata: expect.objectContaining({ listName: `${prefix}:active` }) as unknown,
      },
    ]);
    for (const trigger of triggers(base)) {
      expect([trigger.metadata.address]).toEqual(redisAddresses(env.REDIS_URL ?? ''));
    }

    // on a Redis Cluster: KEDA's cluster trigger on the seed nodes of REDIS_URL, and bull's
    // prefix with a hash tag, so that every key of a queue is in one slot
    const clusterEnv = deployedEnv(cluster, 'worker', scratch);
    expect(clusterEnv.REDIS_URL).toMatch(/^rediss?\+cluster:\/\//);
    const tagged = `${ingestionPrefix(clusterEnv)}:${QUEUES.ingestion}`;
    expect(tagged).toMatch(/\{.+\}/);
    expect(triggers(cluster).map((t) => [t.type, t.metadata.listName])).toEqual([
      ['redis-cluster', `${tagged}:wait`],
      ['redis-cluster', `${tagged}:active`],
    ]);
    for (const trigger of triggers(cluster)) {
      expect(trigger.metadata.addresses.split(',')).toEqual(
        redisAddresses(clusterEnv.REDIS_URL ?? ''),
      );
    }
  });

  it('overlays/cluster: external PostgreSQL with verify-full and a CA mounted from a Secret', () => {
    for (const role of ['api', 'worker', 'migrate'] as const) {
      const { workload, container: c } = container(cluster, role);
      const { env } = containerEnv(cluster, c);
      expect(env.DATABASE_SSL_MODE).toBe('verify-full');
      const files = mountedFiles(cluster, workload.template, c);
      expect([...files.keys()]).toContain(env.DATABASE_SSL_CA);
      const volume = workload.template.spec.volumes?.find((v) =>
        c.volumeMounts?.some(
          (m) => m.name === v.name && env.DATABASE_SSL_CA.startsWith(m.mountPath),
        ),
      );
      expect(volume?.secret?.secretName).toMatch(/^docent-postgres-ca/);
      expect(new URL(env.DATABASE_URL).hostname).not.toBe('postgres');
    }
    const ca = cluster.find((o) => o.kind === 'Secret' && /postgres-ca/.test(o.metadata.name));
    // a placeholder until the operator puts the CA there
    expect(dataOf(ca as K8sObject)['ca.crt']).toMatch(/CHANGE-ME|BEGIN CERTIFICATE/);
  });

  describe('the validator catches broken manifests', () => {
    type Mutation = (objects: K8sObject[]) => void;
    const pick = (objects: K8sObject[], kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & {
        spec: Record<string, never>;
      };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form surgery on YAML
    const apiPod = (objects: K8sObject[]): any => pick(objects, 'Deployment', 'docent-api').spec;
    const cases: [string, Mutation, RegExp][] = [
      [
        'a misspelt field',
        (o) => {
          const c = apiPod(o).template.spec.containers[0];
          c.readinesProbe = c.readinessProbe;
          delete c.readinessProbe;
        },
        /Deployment\/docent-api: unknown field spec\.template\.spec\.containers\.0\.readinesProbe/,
      ],
      [
        'a wrong type',
        (o) => (apiPod(o).replicas = 'two'),
        /Deployment\/docent-api: data\/spec\/replicas must be integer/,
      ],
      [
        'a bad quantity',
        (o) => (apiPod(o).template.spec.containers[0].resources.limits.memory = '512 MB'),
        /resources\/limits\/memory must match format "quantity"/,
      ],
      [
        'a kind without a schema',
        (o) => o.push({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' } }),
        /Widget\/w: no schema known/,
      ],
    ];
    const ruleCases: [string, Mutation, RegExp][] = [
      [
        'no limits',
        (o) => delete apiPod(o).template.spec.containers[0].resources.limits,
        /container api: no cpu limits/,
      ],
      [
        'no liveness probe',
        (o) => delete apiPod(o).template.spec.containers[0].livenessProbe,
        /container api: no livenessProbe/,
      ],
      [
        'an image on latest',
        (o) => (apiPod(o).template.spec.containers[0].image = 'registry.example.org/docent:latest'),
        /uses :latest/,
      ],
      [
        'an untagged image',
        (o) => (apiPod(o).template.spec.containers[0].image = 'registry.example.org/docent'),
        /has no tag/,
      ],
      [
        'a selector that misses the pods',
        (o) => (apiPod(o).selector.matchLabels['app.kubernetes.io/component'] = 'web'),
        /Deployment\/docent-api: selector does not match/,
      ],
      [
        'a writable root filesystem',
        (o) =>
          (apiPod(o).template.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
        /root filesystem is writable/,
      ],
      [
        'a key that is no .env.example variable',
        (o) => {
          const config = o.find((x) => x.kind === 'ConfigMap') as K8sObject & {
            data: Record<string, string>;
          };
          config.data.DATABASE_HOST = 'postgres';
        },
        /DATABASE_HOST is not a variable of \.env\.example/,
      ],
      [
        'a missing .env.example variable',
        (o) => {
          const config = o.find((x) => x.kind === 'ConfigMap') as K8sObject & {
            data: Record<string, string>;
          };
          delete config.data.CHAT_MAX_MESSAGES;
        },
        /\.env\.example's CHAT_MAX_MESSAGES is given to no container/,
      ],
      [
        'an HPA on a missing Deployment',
        (o) =>
          (pick(o, 'HorizontalPodAutoscaler', 'docent-api').spec.scaleTargetRef = {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'docent-web',
          } as never),
        /scale target Deployment\/docent-web is missing/,
      ],
      [
        'a PDB that selects nothing',
        (o) =>
          (pick(o, 'PodDisruptionBudget', 'docent-worker').spec.selector = {
            matchLabels: { app: 'docent-worker' },
          } as never),
        /PodDisruptionBudget\/docent-worker: selects no pods/,
      ],
      [
        'a ScaledObject on a missing Deployment',
        (o) =>
          ((pick(o, 'ScaledObject', 'docent-worker').spec.scaleTargetRef as { name: string }).name =
            'worker'),
        /ScaledObject\/docent-worker: scale target Deployment\/worker is missing/,
      ],
      [
        'storage that is not shared',
        (o) =>
          (pick(o, 'PersistentVolumeClaim', 'docent-storage').spec.accessModes = [
            'ReadWriteOnce',
          ] as never),
        /must be ReadWriteMany/,
      ],
      [
        'an Ingress for another host than PUBLIC_APP_URL',
        (o) => {
          const config = o.find((x) => x.kind === 'ConfigMap') as K8sObject & {
            data: Record<string, string>;
          };
          config.data.PUBLIC_APP_URL = 'https://docs.acme.test';
        },
        /Ingress\/docent: host docent\.example\.org is not PUBLIC_APP_URL's \(docs\.acme\.test\)/,
      ],
      [
        'a grace period shorter than the shutdown',
        (o) => (apiPod(o).template.spec.terminationGracePeriodSeconds = 30),
        /terminationGracePeriodSeconds 30 cuts the api's shutdown/,
      ],
    ];

    it.each(cases)('schema: %s', (_, mutate, expected) => {
      const objects = structuredClone(base);
      mutate(objects);
      expect(schemaProblems(objects).join('\n')).toMatch(expected);
    });

    it.each(ruleCases)('rules: %s', (_, mutate, expected) => {
      const objects = structuredClone(base);
      mutate(objects);
      expect(ruleProblems(objects, context).join('\n')).toMatch(expected);
    });

    it('end to end: a broken file under deploy/kubernetes fails the render or the checks', () => {
      const copy = mkdtempSync(join(tmpdir(), 'docent-k8s-broken-'));
      try {
        cpSync(KUSTOMIZE_DIR, copy, { recursive: true });
        const file = join(copy, 'base', 'worker-deployment.yaml');
        const text = readFileSync(file, 'utf8');
        // a typo in a probe and a lost limit, as an edit might leave them
        const broken = text
          .replace('readinessProbe:', 'readynessProbe:')
          .replace(/limits:\n\s+cpu: '2'\n/, 'limits:\n');
        expect(broken).not.toBe(text);
        writeFileSync(file, broken);
        const objects = render(join(copy, 'overlays', 'cluster'));
        const problems = [...schemaProblems(objects), ...ruleProblems(objects, context)];
        expect(problems).toEqual(
          expect.arrayContaining([
            'Deployment/docent-worker: unknown field spec.template.spec.containers.0.readynessProbe',
            'Deployment/docent-worker container worker: no cpu limits',
            'Deployment/docent-worker container worker: no readinessProbe',
          ]),
        );
        // and a file kustomize cannot read fails with kubectl's message
        writeFileSync(join(copy, 'base', 'api-hpa.yaml'), 'kind: [');
        expect(() => render(join(copy, 'base'))).toThrow(/kubectl kustomize .* failed/);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });
  });
});
