/**
 * The first import of every entry point (api, worker, migrations, admin CLI). On a Node.js older
 * than Docent supports, the process stops here with one line naming the required version, before
 * any dependency that needs it is loaded (NestJS 12 and MikroORM 7 would otherwise fail with a
 * stack trace from deep inside an import). Dependency-free on purpose.
 */

/** The oldest Node.js major Docent runs on (package.json `engines`, `.nvmrc`). */
export const REQUIRED_NODE_MAJOR = 24;

/** The refusal line for `version` (`process.versions.node`), or undefined when it is supported. */
export function unsupportedNodeMessage(version: string): string | undefined {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return (
    `Docent requires Node.js ${REQUIRED_NODE_MAJOR} LTS or newer; this is Node.js ${version}. ` +
    `Install Node.js ${REQUIRED_NODE_MAJOR} (see .nvmrc) and run again.`
  );
}

const refusal = unsupportedNodeMessage(process.versions.node);
if (refusal !== undefined) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}
