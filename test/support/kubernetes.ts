import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parseDuration } from '@docent/config';

/**
 * Renders and checks the Kubernetes manifests under deploy/kubernetes without a cluster:
 * `kubectl kustomize`, then every object against the Kubernetes (1.27) and KEDA schemas of
 * kubernetes-models, plus Docent's own rules. Each check returns problems as readable lines
 * (`<Kind>/<name>: what is wrong`) so a failing test says what to fix.
 */

export const ROOT = join(__dirname, '..', '..');
export const KUSTOMIZE_DIR = join(ROOT, 'deploy', 'kubernetes');

/** A rendered object, as parsed from YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `kubectl` on PATH unless KUBECTL names another binary (e.g. Debian's 1.20 for a check). */
export function kubectlBinary(): string {
  return process.env.KUBECTL || 'kubectl';
}

/** The version line of kubectl, or a thrown error that says how to install it. */
export function kubectlVersion(): string {
  try {
    return execFileSync(kubectlBinary(), ['version', '--client'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    throw new Error(
      `kubectl is needed to render deploy/kubernetes and could not be run (${(error as Error).message.split('\n')[0]}). ` +
        'Install it: apt-get install kubernetes-client (Debian) or see https://kubernetes.io/docs/tasks/tools/',
    );
  }
}

/** `kubectl kustomize <dir>`: the YAML stream, or an error carrying kubectl's message. */
export function kustomize(dir: string): string {
  try {
    return execFileSync(kubectlBinary(), ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr || (error as Error).message}`);
  }
}

export function parseManifests(yaml: string): K8sObject[] {
  return loadAll(yaml).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
}

export function render(dir: string): K8sObject[] {
  return parseManifests(kustomize(dir));
}

/** Object counts by kind, e.g. `{ Deployment: 2, Secret: 3 }`. */
export function countByKind(objects: K8sObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const object of objects) counts[object.kind] = (counts[object.kind] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// schemas

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** Every kind the manifests may contain; anything else is a problem, not silently skipped. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

const label = (object: K8sObject): string => `${object.kind}/${object.metadata?.name ?? '?'}`;

/**
 * The schemas' own validation does not reject unknown fields (Kubernetes' OpenAPI schemas allow
 * them; the API server drops or refuses them), so a misspelt `readinesProbe` would pass. The
 * generated validators read every property their schema declares and enumerate the keys of
 * free-form maps (labels, ConfigMap data): running one over a proxy that records both tells
 * which fields no schema knows.
 */
function unknownFields(validate: (this: unknown) => void, data: unknown): string[] {
  const seen = new Map<string, { value: object; read: Set<string>; enumerated: boolean }>();
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    let entry = seen.get(path);
    if (!entry) {
      entry = { value, read: new Set(), enumerated: false };
      seen.set(path, entry);
    }
    const record = entry;
    return new Proxy(value, {
      get(target, key, receiver) {
        const result: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return result;
        record.read.add(key);
        return Object.hasOwn(target, key) ? wrap(result, `${path}.${key}`) : result;
      },
      has(target, key) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  try {
    validate.call(wrap(structuredClone(data), ''));
  } catch {
    // schema errors are reported by the plain validation
  }
  const unknown: string[] = [];
  for (const [path, { value, read, enumerated }] of seen) {
    if (Array.isArray(value) || enumerated) continue;
    for (const key of Object.keys(value)) {
      if (!read.has(key)) unknown.push(`${path}.${key}`.replace(/^\./, ''));
    }
  }
  return unknown;
}

export function schemaProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const object of objects) {
    const id = `${object.apiVersion}/${object.kind}`;
    if (!object.metadata?.name) problems.push(`${id}: no metadata.name`);
    if (names.has(`${object.kind}/${object.metadata?.name}`)) {
      problems.push(`${label(object)}: defined twice`);
    }
    names.add(`${object.kind}/${object.metadata?.name}`);
    const Model = MODELS[id];
    if (!Model) {
      problems.push(`${label(object)}: no schema known for ${id}`);
      continue;
    }
    const data = structuredClone(object);
    if (object.kind === 'Secret' && data.data) {
      // kustomize v5 folds long base64 values over several lines; the API server's base64
      // decoding skips line breaks, the schema's "byte" format does not
      const values = data.data as Record<string, string>;
      for (const key of Object.keys(values)) values[key] = values[key].replace(/\s+/g, '');
    }
    const model = new Model(data as never);
    try {
      model.validate();
    } catch (error) {
      problems.push(`${label(object)}: ${(error as Error).message}`);
    }
    for (const field of unknownFields(model.validate, data)) {
      problems.push(`${label(object)}: unknown field ${field}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Docent's rules

interface Probe {
  httpGet?: { path?: string; port?: number | string };
  tcpSocket?: { port?: number | string };
}
interface EnvFromSource {
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
  secret?: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] };
  configMap?: { name: string; optional?: boolean; items?: { key: string; path: string }[] };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type?: string };
  };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}
interface ScaleTarget {
  apiVersion?: string;
  kind?: string;
  name: string;
}

/** A workload (Deployment or Job) with its pod template. */
export interface Workload {
  object: K8sObject;
  template: PodTemplate;
}

const spec = <T>(object: K8sObject): T => (object.spec ?? {}) as T;

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .map((object) => ({ object, template: spec<{ template: PodTemplate }>(object).template }));
}

/** Which Docent process a container runs, from its command (the Dockerfile's entry points). */
export type Role = 'api' | 'worker' | 'migrate' | 'unknown';
export const ENTRY_POINTS: Record<Exclude<Role, 'unknown'>, string[]> = {
  api: ['node', 'dist/apps/api/apps/api/src/main.js'],
  worker: ['node', '--max-semi-space-size=8', 'dist/apps/worker/apps/worker/src/main.js'],
  migrate: ['node', 'dist/apps/api/apps/api/src/migrate.js', 'up'],
};
export function roleOf(container: Container): Role {
  const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  for (const [role, entry] of Object.entries(ENTRY_POINTS)) {
    if (command === entry.join(' ')) return role as Role;
  }
  return 'unknown';
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

function matches(selector: Record<string, string> | undefined, labels = {}): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(
    ([key, value]) => (labels as Record<string, string>)[key] === value,
  );
}

/** The string data of a ConfigMap or Secret (Secrets' `data` is base64). */
export function dataOf(object: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (object.kind === 'Secret') {
    for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string>)) {
      out[key] = Buffer.from(value, 'base64').toString('utf8');
    }
    Object.assign(out, (object.stringData ?? {}) as Record<string, string>);
  } else {
    Object.assign(out, (object.data ?? {}) as Record<string, string>);
  }
  return out;
}

/** The environment a container starts with (envFrom in order, then env), and unresolved refs. */
export function containerEnv(
  objects: K8sObject[],
  container: Container,
): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const object = find(objects, kind, ref.name);
    if (object) Object.assign(env, dataOf(object));
    else if (!ref.optional) missing.push(`${kind}/${ref.name}`);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    if (!ref) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const kind = variable.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const object = find(objects, kind, ref.name);
    const value = object ? dataOf(object)[ref.key] : undefined;
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional) missing.push(`${kind}/${ref.name} key ${ref.key}`);
  }
  return { env, missing };
}

/** Files a container sees from Secret and ConfigMap volumes: mount path → content. */
export function mountedFiles(
  objects: K8sObject[],
  template: PodTemplate,
  container: Container,
): Map<string, string> {
  const files = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = template.spec.volumes?.find((v) => v.name === mount.name);
    const source = volume?.secret
      ? { kind: 'Secret', name: volume.secret.secretName, items: volume.secret.items }
      : volume?.configMap
        ? { kind: 'ConfigMap', name: volume.configMap.name, items: volume.configMap.items }
        : undefined;
    if (!source) continue;
    const object = find(objects, source.kind, source.name);
    if (!object) continue;
    const data = dataOf(object);
    const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      if (data[key] !== undefined) files.set(`${mount.mountPath}/${path}`, data[key]);
    }
  }
  return files;
}

/** Kubernetes quantities to a number (cores or bytes) for comparisons. */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return NaN;
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? scale[match[2]] : 1);
}

export interface RuleContext {
  /** The variable names of .env.example. */
  envNames: string[];
  /** Names every api and worker container must receive with a non-empty value. */
  requiredNames: string[];
}

function containerProblems(
  where: string,
  kind: string,
  template: PodTemplate,
  container: Container,
): string[] {
  const problems: string[] = [];
  const at = `${where} container ${container.name}`;
  const image = container.image ?? '';
  const tag = /@sha256:[0-9a-f]{64}$/.test(image) ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
  if (!tag) problems.push(`${at}: image ${image} has no tag (it would pull :latest)`);
  else if (tag === 'latest') problems.push(`${at}: image ${image} uses :latest`);

  for (const what of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      const value = container.resources?.[what]?.[resource];
      if (value === undefined) problems.push(`${at}: no ${resource} ${what}`);
    }
  }
  for (const resource of ['cpu', 'memory']) {
    const request = container.resources?.requests?.[resource];
    const limit = container.resources?.limits?.[resource];
    if (request !== undefined && limit !== undefined && quantity(request) > quantity(limit)) {
      problems.push(`${at}: ${resource} request ${request} is above its limit ${limit}`);
    }
  }

  // a Job runs to completion: probes are for long-running containers
  if (kind === 'Deployment') {
    const ports = container.ports ?? [];
    for (const name of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const probe = container[name];
      if (!probe) {
        problems.push(`${at}: no ${name}`);
        continue;
      }
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
      const known = ports.some((p) => p.name === port || p.containerPort === port);
      if (!known) problems.push(`${at}: ${name} port ${String(port)} is not a container port`);
    }
  }

  const pod = template.spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
    problems.push(`${at}: runAsNonRoot is not set`);
  }
  const uid = own.runAsUser ?? pod.runAsUser;
  if (typeof uid !== 'number' || uid === 0) {
    // the image's USER is a name (node): the kubelet refuses runAsNonRoot without a numeric uid
    problems.push(`${at}: no numeric non-root runAsUser`);
  }
  if (own.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
  if (own.allowPrivilegeEscalation !== false) {
    problems.push(`${at}: allowPrivilegeEscalation is not false`);
  }
  if (!own.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities not dropped`);
  if ((own.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') {
    problems.push(`${at}: seccomp profile is not RuntimeDefault`);
  }
  const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
  const tmpVolume = template.spec.volumes?.find((v) => v.name === tmp?.name);
  if (own.readOnlyRootFilesystem && !tmpVolume?.emptyDir) {
    problems.push(`${at}: read-only root filesystem without an emptyDir at /tmp`);
  }
  return problems;
}

/** Docent's own rules over a whole rendering (see the test for what each protects). */
export function ruleProblems(objects: K8sObject[], context: RuleContext): string[] {
  const problems: string[] = [];
  const pods = workloads(objects);
  const envNames = new Set(context.envNames);

  // workloads: selectors, containers, references
  const images = new Set<string>();
  const envKeys = new Set<string>();
  const roles = new Map<Role, { workload: Workload; container: Container }>();
  for (const workload of pods) {
    const { object, template } = workload;
    const where = label(object);
    if (!template?.spec?.containers?.length) {
      problems.push(`${where}: no containers`);
      continue;
    }
    if (object.kind === 'Deployment') {
      const selector = spec<{ selector?: { matchLabels?: Record<string, string> } }>(object)
        .selector?.matchLabels;
      if (!matches(selector, template.metadata?.labels)) {
        problems.push(`${where}: selector does not match its pod template's labels`);
      }
    }
    for (const container of [
      ...(template.spec.initContainers ?? []),
      ...template.spec.containers,
    ]) {
      problems.push(...containerProblems(where, object.kind, template, container));
      if (container.image) images.add(container.image);
      const role = roleOf(container);
      if (role === 'unknown') {
        problems.push(`${where} container ${container.name}: runs none of the image's commands`);
      } else if (roles.has(role)) {
        problems.push(`${where}: a second ${role} container`);
      } else {
        roles.set(role, { workload, container });
      }
      const { env, missing } = containerEnv(objects, container);
      for (const ref of missing) problems.push(`${where}: refers to missing ${ref}`);
      for (const key of Object.keys(env)) {
        envKeys.add(key);
        if (!envNames.has(key)) problems.push(`${where}: ${key} is not a variable of .env.example`);
      }
      if (role === 'api' || role === 'worker') {
        for (const name of context.requiredNames) {
          if (!env[name]) problems.push(`${where}: required ${name} is missing or empty`);
        }
      }
    }
    for (const volume of template.spec.volumes ?? []) {
      const ref = volume.persistentVolumeClaim
        ? ['PersistentVolumeClaim', volume.persistentVolumeClaim.claimName, false]
        : volume.secret
          ? ['Secret', volume.secret.secretName, volume.secret.optional]
          : volume.configMap
            ? ['ConfigMap', volume.configMap.name, volume.configMap.optional]
            : undefined;
      if (ref && !ref[2] && !find(objects, ref[0] as string, ref[1] as string)) {
        problems.push(`${where}: volume ${volume.name} refers to missing ${ref[0]}/${ref[1]}`);
      }
    }
  }
  if (images.size > 1) {
    problems.push(`the containers use different images (${[...images].join(', ')}); one is built`);
  }
  for (const role of ['api', 'worker', 'migrate'] as const) {
    if (!roles.has(role)) problems.push(`no container runs the ${role}`);
  }

  // configuration: every key an .env.example name (checked above), and every name provided
  for (const object of objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')) {
    const consumed = pods.some(({ template }) =>
      template.spec.containers.some((c) =>
        (c.envFrom ?? []).some(
          (s) => (s.configMapRef ?? s.secretRef)?.name === object.metadata.name,
        ),
      ),
    );
    if (!consumed) continue;
    for (const key of Object.keys(dataOf(object))) {
      if (!envNames.has(key)) {
        problems.push(`${label(object)}: key ${key} is not a variable of .env.example`);
      }
    }
  }
  for (const name of context.envNames) {
    if (!envKeys.has(name)) {
      problems.push(
        `.env.example's ${name} is given to no container (add it to deploy/kubernetes/base/config.env or secrets.env)`,
      );
    }
  }

  // the api and the worker: ports, shutdown, shared storage
  const api = roles.get('api');
  const worker = roles.get('worker');
  for (const [role, entry, portVariable] of [
    ['api', api, 'PORT'],
    ['worker', worker, 'WORKER_HTTP_PORT'],
  ] as const) {
    if (!entry) continue;
    const { env } = containerEnv(objects, entry.container);
    const where = label(entry.workload.object);
    const port = Number(env[portVariable]);
    if (!(entry.container.ports ?? []).some((p) => p.containerPort === port)) {
      problems.push(`${where}: the ${role} listens on ${portVariable}=${port}, no such port`);
    }
    const needed =
      (parseDuration(env.SHUTDOWN_GRACE_PERIOD ?? '5s') +
        parseDuration(env.SHUTDOWN_TIMEOUT ?? '30s')) /
      1000;
    const grace = entry.workload.template.spec.terminationGracePeriodSeconds ?? 30;
    if (grace < needed + 5) {
      problems.push(
        `${where}: terminationGracePeriodSeconds ${grace} cuts the ${role}'s shutdown (${needed}s + 5s)`,
      );
    }
    const mount = entry.container.volumeMounts?.find((m) => m.mountPath === env.STORAGE_DIR);
    const volume = entry.workload.template.spec.volumes?.find((v) => v.name === mount?.name);
    const claim = volume?.persistentVolumeClaim
      ? find(objects, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName)
      : undefined;
    if (!claim) {
      problems.push(`${where}: STORAGE_DIR (${env.STORAGE_DIR}) is not a persistent volume`);
    } else if (!spec<{ accessModes?: string[] }>(claim).accessModes?.includes('ReadWriteMany')) {
      problems.push(`${label(claim)}: shared by api and workers, so it must be ReadWriteMany`);
    }
  }
  if (api && worker) {
    const claimOf = (entry: typeof api) =>
      entry.workload.template.spec.volumes?.find((v) => v.persistentVolumeClaim)
        ?.persistentVolumeClaim?.claimName;
    if (claimOf(api) !== claimOf(worker)) problems.push('api and workers use different storage');
  }

  // Services, Ingresses, PDBs, HPAs and ScaledObjects point at things that exist
  const podsMatching = (selector: Record<string, string> | undefined) =>
    pods.filter(({ template }) => matches(selector, template.metadata?.labels));
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const { selector, ports = [] } = spec<{
      selector?: Record<string, string>;
      ports?: { name?: string; port: number; targetPort?: number | string }[];
    }>(service);
    const targets = podsMatching(selector);
    if (targets.length === 0) problems.push(`${label(service)}: selector matches no pods`);
    for (const port of ports) {
      const target = port.targetPort ?? port.port;
      const served = targets.some(({ template }) =>
        template.spec.containers.some((c) =>
          (c.ports ?? []).some((p) => p.name === target || p.containerPort === target),
        ),
      );
      if (targets.length && !served) {
        problems.push(`${label(service)}: targetPort ${target} is no port of its pods`);
      }
    }
  }
  const publicHost = api
    ? URL.parse(containerEnv(objects, api.container).env.PUBLIC_APP_URL ?? '')?.hostname
    : undefined;
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    type Backend = { service?: { name: string; port?: { name?: string; number?: number } } };
    const { rules = [], defaultBackend } = spec<{
      rules?: { host?: string; http?: { paths?: { backend: Backend }[] } }[];
      defaultBackend?: Backend;
    }>(ingress);
    for (const rule of rules) {
      if (rule.host !== publicHost) {
        problems.push(
          `${label(ingress)}: host ${rule.host} is not PUBLIC_APP_URL's (${publicHost})`,
        );
      }
    }
    const backends = rules.flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend));
    if (defaultBackend) backends.push(defaultBackend);
    for (const backend of backends) {
      if (!backend.service) continue;
      const service = find(objects, 'Service', backend.service.name);
      const ports = service
        ? (spec<{ ports?: { name?: string; port: number }[] }>(service).ports ?? [])
        : [];
      const wanted = backend.service.port;
      if (!service) problems.push(`${label(ingress)}: backend ${backend.service.name} is missing`);
      else if (!ports.some((p) => p.name === wanted?.name || p.port === wanted?.number)) {
        problems.push(`${label(ingress)}: backend port of ${backend.service.name} does not exist`);
      }
    }
  }
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const selector = spec<{ selector?: { matchLabels?: Record<string, string> } }>(pdb).selector
      ?.matchLabels;
    if (podsMatching(selector).length === 0) problems.push(`${label(pdb)}: selects no pods`);
  }
  const scaled = new Map<string, string>();
  for (const scaler of objects.filter(
    (o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject',
  )) {
    const target = spec<{ scaleTargetRef?: ScaleTarget }>(scaler).scaleTargetRef;
    const kind = target?.kind ?? 'Deployment';
    const object = target ? find(objects, kind, target.name) : undefined;
    if (!object) {
      problems.push(`${label(scaler)}: scale target ${kind}/${target?.name} is missing`);
      continue;
    }
    const previous = scaled.get(label(object));
    if (previous)
      problems.push(`${label(object)}: scaled by both ${previous} and ${label(scaler)}`);
    scaled.set(label(object), label(scaler));
    if (scaler.kind === 'HorizontalPodAutoscaler') {
      const template = spec<{ template: PodTemplate }>(object).template;
      if (template.spec.containers.some((c) => c.resources?.requests?.cpu === undefined)) {
        problems.push(`${label(scaler)}: scales on CPU, but ${label(object)} requests none`);
      }
    }
  }
  return problems;
}

/** The variable names of .env.example, in order. */
export function envExampleNames(): string[] {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}
