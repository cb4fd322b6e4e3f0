import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The read-only `shared` folder (corpus, evaluation set) the tests read. It stands beside the
 * checkout; a clone made elsewhere (CI clones into a temporary folder: `git clone . "$(mktemp -d)"`)
 * finds it beside the checkout it was cloned from (a local `remote.origin.url`).
 * `DOCENT_SHARED_DIR` overrides both. The one place that knows where it is.
 */
function findSharedDir(): string {
  const configured = process.env.DOCENT_SHARED_DIR;
  if (configured) return configured;
  const beside = join(ROOT, '..', 'shared');
  if (existsSync(beside)) return beside;
  const origin = spawnSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], {
    encoding: 'utf8',
  }).stdout?.trim();
  if (origin && isAbsolute(origin)) {
    const besideOrigin = join(origin, '..', 'shared');
    if (existsSync(besideOrigin)) return besideOrigin;
  }
  return beside;
}

export const SHARED_DIR = findSharedDir();
/** The shared test corpus (PDF, DOCX, text files with known content). */
export const CORPUS_DIR = join(SHARED_DIR, 'corpus');
