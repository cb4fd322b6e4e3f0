#!/usr/bin/env node
// The lockfile's dependencies against the registry's security advisories (`npm audit`), as CI
// runs it: prints a one-line summary per severity and the high/critical packages, and exits 1 when
// any high or critical advisory applies. When the registry's advisory service does not answer
// (a mirror without the audit endpoint, no network), it says so and exits 0: the audit is
// reported as not run, never as passed.
const { spawnSync } = require('node:child_process');

const FAILING = ['high', 'critical'];

const run = spawnSync('npm', ['audit', '--json', '--package-lock-only'], {
  encoding: 'utf8',
  timeout: 120_000,
  maxBuffer: 64 * 1024 * 1024,
});
let report;
try {
  report = JSON.parse(run.stdout || '{}');
} catch {
  report = {};
}

const counts = report.metadata && report.metadata.vulnerabilities;
if (!counts) {
  const reason =
    report.message || (run.error && run.error.message) || (run.stderr || '').trim().split('\n')[0];
  console.log(`audit: not run, the advisory service did not answer (${reason || 'no answer'})`);
  process.exit(0);
}

const summary = ['info', 'low', 'moderate', 'high', 'critical']
  .map((severity) => `${counts[severity] || 0} ${severity}`)
  .join(', ');
console.log(`audit: ${summary} (${report.metadata.dependencies?.total ?? '?'} dependencies)`);
const failing = Object.values(report.vulnerabilities || {}).filter((v) =>
  FAILING.includes(v.severity),
);
for (const vulnerability of failing) {
  const via = (vulnerability.via || [])
    .map((item) => (typeof item === 'string' ? item : item.title || item.url))
    .join('; ');
  console.log(`  ${vulnerability.severity}: ${vulnerability.name} ${vulnerability.range} (${via})`);
}
process.exit(failing.length > 0 ? 1 : 0);
