/**
 * The e-mail rule of the password policy: no password containing the address, its mailbox
 * (forwards or backwards) or the name the registrant chose for their domain.
 */

const MIN_LOCAL_PART = 3;
const MIN_DOMAIN_LABEL = 4;
// Short of the whole address, which is always at least this long in practice; guards against an
// empty or odd value turning every password into a "match".
const MIN_WHOLE_ADDRESS = 4;
// Second-level labels under which registrants pick their name (example.co.uk, example.com.au).
const GENERIC_SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'ac',
  'gov',
  'edu',
  'ne',
  'or',
  'go',
]);

// Comparison ignores case and everything but letters and digits, so "J.Doe-2024" contains "jdoe".
function alphanumeric(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

export function isDerivedFromEmail(loweredPassword: string, email: string): boolean {
  const password = alphanumeric(loweredPassword);
  if (password.length === 0) return false;
  return emailFragments(email).some((fragment) => password.includes(fragment));
}

function emailFragments(email: string): string[] {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const local = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const domain = at >= 0 ? trimmed.slice(at + 1) : '';
  const fragments: string[] = [];

  const whole = alphanumeric(trimmed);
  if ([...whole].length >= MIN_WHOLE_ADDRESS) fragments.push(whole);

  // "jane.doe+docent@…": the mailbox is jane.doe; the tag is often the service name and would
  // otherwise let "janedoe" through.
  for (const part of new Set([local, local.split('+')[0]])) {
    const normalized = alphanumeric(part);
    const codePoints = [...normalized];
    if (codePoints.length >= MIN_LOCAL_PART) {
      fragments.push(normalized, codePoints.reverse().join(''));
    }
  }

  const label = mainDomainLabel(domain);
  if (label !== null && [...label].length >= MIN_DOMAIN_LABEL) fragments.push(label);
  return fragments;
}

/**
 * The label a registrant chose: "example" in mail.example.com or example.co.uk. A heuristic (no
 * public-suffix list), good enough for spotting "Example2024!" as a password.
 */
function mainDomainLabel(domain: string): string | null {
  if (domain.startsWith('[')) return null; // address literal, no name in it
  const labels = domain
    .toLowerCase()
    .split('.')
    .filter((l) => l.length > 0);
  if (labels.length === 0) return null;
  if (labels.length > 1) labels.pop(); // top-level domain
  if (labels.length > 1 && GENERIC_SECOND_LEVEL.has(labels[labels.length - 1])) labels.pop();
  const label = alphanumeric(labels[labels.length - 1]);
  return label.length > 0 ? label : null;
}
