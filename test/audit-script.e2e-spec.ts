import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'scripts', 'audit.js');

/** Runs scripts/audit.js with an `npm` on PATH that prints `answer` as `npm audit --json` would. */
function audit(answer: unknown): { status: number | null; stdout: string } {
  const bin = mkdtempSync(join(tmpdir(), 'docent-fake-npm-'));
  const fake = join(bin, 'npm');
  writeFileSync(fake, `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(answer)}\nJSON\nexit 1\n`);
  chmodSync(fake, 0o755);
  const run = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  return { status: run.status, stdout: run.stdout };
}

const metadata = (high: number, critical: number) => ({
  vulnerabilities: { info: 0, low: 1, moderate: 0, high, critical, total: 1 + high + critical },
  dependencies: { total: 900 },
});

/** The CI audit step (the registry's advisory service is the one outside party: faked here). */
describe('scripts/audit.js', () => {
  it('fails on a high or critical advisory and names the package', () => {
    const result = audit({
      metadata: metadata(0, 1),
      vulnerabilities: {
        'bad-package': {
          name: 'bad-package',
          severity: 'critical',
          range: '<1.2.3',
          via: [{ title: 'Prototype pollution' }],
        },
      },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('1 critical');
    expect(result.stdout).toContain('critical: bad-package <1.2.3 (Prototype pollution)');
  });

  it('passes with only low advisories', () => {
    const result = audit({ metadata: metadata(0, 0), vulnerabilities: {} });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('audit: 0 info, 1 low, 0 moderate, 0 high, 0 critical');
  });

  it('reports "not run" (not "passed") when the advisory service does not answer', () => {
    const result = audit({ message: '405 Method Not Allowed - POST …/advisories/bulk' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^audit: not run, the advisory service did not answer \(405/);
  });
});
