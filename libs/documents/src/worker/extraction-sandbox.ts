import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * The confinement of the extraction process (Node's permission model, `--permission`).
 *
 * A parser bug that lets a hostile file run code (pdf.js had one, CVE-2024-4367) runs it in the
 * extraction process. That process is started with `--permission` and may only read its own
 * code: the compiled modules it loads (the ones this module and `extraction-child` import) and
 * the packages of the extractors with their dependencies, found at run time the way Node resolves
 * them. No `--allow-fs-write`, `--allow-child-process`, `--allow-worker` or `--allow-addons`: it
 * cannot read the storage directory (another tenant's files), the worker's `.env` or
 * `/proc/<worker>/environ`, write anywhere, start a shell or a worker thread, or load native code.
 * The one input arrives over IPC, so nothing else needs to be readable.
 *
 * Not covered by Node 24's permission model: the network (a compromised process can still open
 * sockets; it holds no credential, see the README "Security model") and the CPU and memory it
 * uses (the pool's timeout, heap cap and RSS watchdog bound those).
 */

/** The packages the extractors import (pdf.js lazily, by `import()`); their dependencies follow. */
const EXTRACTOR_PACKAGES = ['pdfjs-dist', 'mammoth', 'html-to-text', 'csv-parse', 'yauzl'];

/** The first Node major whose permission model is stable (and the one Docent runs on). */
export const MIN_NODE_MAJOR_FOR_SANDBOX = 24;

/** What a permission denial says about itself (Node's `ERR_ACCESS_DENIED`). */
export interface AccessDenial {
  /** e.g. `FileSystemRead`, `FileSystemWrite`, `ChildProcess`, `WorkerThreads` */
  permission?: string;
  /** the path asked for, when there is one */
  resource?: string;
  message: string;
}

/** The directory of a package as Node's resolver finds it from `fromDir` (undefined if none). */
function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The symbolic links on the way to `path` (itself included). Node's resolver reads them to find a
 * module's real path; a grant on a link to a directory covers all of that directory.
 */
function symbolicLinksOn(path: string): string[] {
  const links: string[] = [];
  for (let current = path; dirname(current) !== current; current = dirname(current)) {
    if (lstatSync(current).isSymbolicLink()) links.push(current);
  }
  return links;
}

/**
 * The extractor packages and everything they depend on (`dependencies`, not the optional ones:
 * pdf.js's optional `@napi-rs/canvas` is a native addon it does without). Each directory is
 * given both as the resolver reaches it and as its real path, and a symbolic link on the way is
 * given too (a development worktree whose `node_modules` links to another checkout's: there,
 * all of that `node_modules` is readable, code only; a deployed image has no such link).
 */
function packageDirectories(fromDir: string): string[] {
  const found = new Set<string>();
  const visit = (name: string, from: string) => {
    const dir = findPackageDir(name, from);
    if (dir === undefined) {
      throw new Error(`The extraction sandbox cannot find the package ${name} from ${from}.`);
    }
    const real = realpathSync(dir);
    if (found.has(real)) return;
    found.add(real);
    if (real !== dir) {
      found.add(dir);
      for (const link of symbolicLinksOn(dir)) found.add(link);
    }
    const manifest = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    // Node resolves a package's own imports from its real path
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, real);
  };
  for (const name of EXTRACTOR_PACKAGES) visit(name, fromDir);
  return [...found];
}

/**
 * Our own compiled modules that the extraction process loads: this module's and
 * `extraction-child`'s imports, transitively, outside `node_modules` (the child runs the same
 * module graph the parent has loaded).
 */
function ownModuleFiles(entry: NodeJS.Module): string[] {
  const files = new Set<string>();
  const visit = (mod: NodeJS.Module) => {
    if (files.has(mod.filename) || mod.filename.includes(`${sep}node_modules${sep}`)) return;
    files.add(mod.filename);
    for (const child of mod.children) visit(child);
  };
  visit(entry);
  return [...files];
}

/**
 * `paths` without those inside another one (a granted directory covers them). Not only shorter:
 * Node 24 loses the grant of a directory given after a path inside it (`--allow-fs-read=/a/b/c
 * --allow-fs-read=/a/b` then refuses `/a/b` itself, which the resolver reads when it is a link).
 */
export function withoutCovered(paths: string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => path.startsWith(`${other}${sep}`)));
}

let readPathsCache: string[] | undefined;

/**
 * Everything the extraction process may read: its own compiled modules and the extractor
 * packages. Computed once per process from `entry` (the `extraction-child` module).
 */
export function extractionReadPaths(entry: NodeJS.Module): string[] {
  readPathsCache ??= withoutCovered([
    ...ownModuleFiles(entry),
    ...packageDirectories(dirname(entry.filename)),
  ]);
  return readPathsCache;
}

export interface ExtractionProcessOptions {
  /** V8 heap limit (`--max-old-space-size`). */
  maxOldGenerationSizeMb: number;
  /**
   * Tests only: a script the process runs first (`--require`), and may read. It stands for code
   * a parser bug lets a file run; nothing in the deployed worker sets it.
   */
  preload?: string;
}

/** The node options an extraction process starts with (the pool forks it with exactly these). */
export function extractionExecArgv(
  entry: NodeJS.Module,
  options: ExtractionProcessOptions,
): string[] {
  const readable = [...extractionReadPaths(entry)];
  if (options.preload !== undefined) readable.push(resolve(options.preload));
  return [
    '--permission',
    ...readable.map((path) => `--allow-fs-read=${path}`),
    `--max-old-space-size=${options.maxOldGenerationSizeMb}`,
    ...(options.preload !== undefined ? ['--require', resolve(options.preload)] : []),
  ];
}

/** Refuses to start an extraction process on a Node without a stable permission model. */
export function assertSandboxSupported(version: string = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (!(major >= MIN_NODE_MAJOR_FOR_SANDBOX)) {
    throw new Error(
      `Document extraction needs Node.js ${MIN_NODE_MAJOR_FOR_SANDBOX} or later (its permission model confines the parsers); this is Node.js ${version}.`,
    );
  }
}

interface PermissionApi {
  has(scope: string, reference?: string): boolean;
}

/**
 * In the extraction process: why it is not confined as it should be (undefined when it is).
 * A Node without `process.permission`, or one that grants writes, processes, threads or addons.
 */
export function confinementProblem(
  permission: PermissionApi | undefined = (process as { permission?: PermissionApi }).permission,
): string | undefined {
  if (permission === undefined) {
    return `Node.js ${process.versions.node} has no permission model (process.permission): extraction will not run unconfined.`;
  }
  const granted = ['fs.read', 'fs.write', 'child', 'worker', 'addon'].filter((scope) =>
    permission.has(scope),
  );
  if (granted.length > 0) {
    return `The extraction process may use ${granted.join(', ')}: extraction will not run unconfined.`;
  }
  return undefined;
}

/**
 * The permission denial behind an error, if any: the error itself or one of its causes (the
 * extractors wrap what a parser throws, e.g. into `corrupt_file`). pdf.js passes errors from its
 * in-process worker on as plain messages, so Node's wording counts too.
 */
export function accessDenialOf(error: unknown): AccessDenial | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Object; depth += 1) {
    const candidate = current as {
      code?: unknown;
      permission?: unknown;
      resource?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (
      candidate.code === 'ERR_ACCESS_DENIED' ||
      message.includes('Access to this API has been restricted')
    ) {
      return {
        permission: typeof candidate.permission === 'string' ? candidate.permission : undefined,
        resource: typeof candidate.resource === 'string' ? candidate.resource : undefined,
        message,
      };
    }
    current = candidate.cause;
  }
  return undefined;
}
