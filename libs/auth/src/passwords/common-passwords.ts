import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * The leaked-password and trivial-pattern rule of the password policy: a password is common when
 * it is on the list, is a listed one with digits or punctuation tacked on, or is a repeated
 * character, a straight sequence, or a repetition of either.
 */

interface CommonPasswords {
  entries: ReadonlySet<string>;
  /** No entry has more code points than this: a longer candidate needs no lookup. */
  longest: number;
}

let commonPasswords: CommonPasswords | undefined;

/**
 * The ~49k most common leaked passwords shipped with @zxcvbn-ts/language-common, lowercased.
 * Loaded on first use rather than at import: decompressing the list costs ~20 ms and ~3.6 MiB of
 * heap, which processes that never check a password (the worker) should not pay.
 */
function commonPasswordList(): CommonPasswords {
  if (commonPasswords === undefined) {
    // A require() (not a static import) is what makes the load lazy while keeping this function
    // synchronous; the package is CommonJS, so this is the same module a static import would load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('@zxcvbn-ts/language-common') as typeof LanguageCommon;
    const entries = new Set<string>();
    let longest = 0;
    for (const entry of lib.dictionary['passwords-common']) {
      const normalized = entry.normalize('NFKC').toLowerCase();
      entries.add(normalized);
      // UTF-16 length bounds the code-point length from above, which is all the bound needs
      longest = Math.max(longest, normalized.length);
    }
    commonPasswords = { entries, longest };
  }
  return commonPasswords;
}

/**
 * Builds the list now instead of on the first check (~40 ms once): for start-up code that would
 * rather not spend it inside the first registration request. Returns the number of entries.
 */
export function preloadCommonPasswords(): number {
  return commonPasswordList().entries.size;
}

function isListed(chars: readonly string[]): boolean {
  const list = commonPasswordList();
  return chars.length <= list.longest && list.entries.has(chars.join(''));
}

export type Commonness = 'listed' | 'listed-variant' | 'pattern' | null;

// Characters people tack onto a dictionary password to satisfy old composition rules.
const AFFIX = /^[0-9!.]$/u;
const PUNCTUATION_AFFIX = /^[!.]$/u;
const DIGIT = /^[0-9]$/u;
// A listed word must keep at least this many characters once digits are stripped around it, so
// that "dog" followed by twelve random digits (which carry real entropy) is not called common.
const MIN_CORE_WHEN_DIGITS_STRIPPED = 4;

/**
 * `lowered` is the NFKC-normalised, lowercased password. The work is bounded (a few hundred set
 * lookups at 128 characters) because it runs on the event loop for every registration.
 */
export function commonness(lowered: string): Commonness {
  const chars = [...lowered];
  const n = chars.length;
  const whole = trivialCore(chars);
  if (whole !== null) return whole;

  const firstWordChar = chars.findIndex((c) => !AFFIX.test(c));
  if (firstWordChar === -1) {
    // Only digits, ! and .: strip the punctuation but never digits, since any long random number
    // contains list entries (years, PINs) somewhere inside it.
    const lead = runLength(chars, 0, 1, PUNCTUATION_AFFIX);
    const trail = lead === n ? 0 : runLength(chars, n - 1, -1, PUNCTUATION_AFFIX);
    if (lead + trail === 0 || lead + trail === n) return null;
    return variant(trivialCore(chars.slice(lead, n - trail)));
  }

  // A word with affixes around it. The word itself always stays in the core, so the core never
  // degenerates into a bare number.
  const lead = firstWordChar;
  const trail = runLength(chars, n - 1, -1, AFFIX);
  const digitsBefore = [0];
  for (const c of chars) {
    digitsBefore.push(digitsBefore[digitsBefore.length - 1] + (DIGIT.test(c) ? 1 : 0));
  }
  const stripsDigits = (i: number, j: number): boolean =>
    digitsBefore[i] > 0 || digitsBefore[n] - digitsBefore[n - j] > 0;

  // Every split of the affix runs, because list entries themselves end in digits ("abc123!").
  // Only cores short enough to be on the list need a lookup.
  const longest = commonPasswordList().longest;
  for (let i = 0; i <= lead; i++) {
    for (let j = Math.max(0, n - i - longest); j <= trail; j++) {
      if (i === 0 && j === 0) continue;
      if (n - i - j < MIN_CORE_WHEN_DIGITS_STRIPPED && stripsDigits(i, j)) continue;
      if (isListed(chars.slice(i, n - j))) return 'listed-variant';
    }
  }
  // Patterns ("abcdefghijklmnop2024") only need the affixes removed entirely.
  for (const [i, j] of [
    [lead, 0],
    [0, trail],
    [lead, trail],
  ]) {
    if (i === 0 && j === 0) continue;
    if (n - i - j < MIN_CORE_WHEN_DIGITS_STRIPPED && stripsDigits(i, j)) continue;
    const found = variant(trivialCore(chars.slice(i, n - j)));
    if (found !== null) return found;
  }
  return null;
}

/** What a match means once affixes were stripped to find it. */
function variant(found: Commonness): Commonness {
  return found === 'listed' ? 'listed-variant' : found;
}

/** Length of the run of `kind` characters starting at `start` and walking by `step`. */
function runLength(chars: readonly string[], start: number, step: 1 | -1, kind: RegExp): number {
  let n = 0;
  for (let k = start; k >= 0 && k < chars.length && kind.test(chars[k]); k += step) n++;
  return n;
}

function trivialCore(chars: readonly string[]): Commonness {
  if (isListed(chars)) return 'listed';
  if (isRepeatedCharacter(chars) || isStraightSequence(chars)) return 'pattern';
  // "dragondragondragon", "abcabcabcabcabc": a repeated unit is as weak as the unit.
  const unit = repeatedUnit(chars);
  if (unit !== null) {
    if (isListed(unit)) return 'listed';
    if (isStraightSequence(unit)) return 'pattern';
  }
  return null;
}

function isRepeatedCharacter(chars: readonly string[]): boolean {
  return chars.length > 0 && chars.every((c) => c === chars[0]);
}

/**
 * "abcdefghijklmnop", "1234567890123456", "zyxwvu…": every step is +1 (or every step −1) within
 * the digits or within a–z, wrapping around (9 → 0, z → a) because that is how people type them.
 */
function isStraightSequence(chars: readonly string[]): boolean {
  if (chars.length < 2) return false;
  const positions = chars.map(sequencePosition);
  const first = positions[0];
  if (first === null) return false;
  const { alphabet, size } = first;
  const steps = new Set<number>();
  for (let k = 1; k < positions.length; k++) {
    const current = positions[k];
    const previous = positions[k - 1];
    if (current === null || previous === null || current.alphabet !== alphabet) return false;
    steps.add((current.index - previous.index + size) % size);
  }
  return steps.size === 1 && (steps.has(1) || steps.has(size - 1));
}

function sequencePosition(
  c: string,
): { alphabet: 'digit' | 'letter'; index: number; size: number } | null {
  const code = c.codePointAt(0) ?? -1;
  if (code >= 0x30 && code <= 0x39) return { alphabet: 'digit', index: code - 0x30, size: 10 };
  if (code >= 0x61 && code <= 0x7a) return { alphabet: 'letter', index: code - 0x61, size: 26 };
  return null;
}

/** The shortest unit the string is two or more copies of, or null. */
function repeatedUnit(chars: readonly string[]): readonly string[] | null {
  const n = chars.length;
  for (let size = 1; size <= n / 2; size++) {
    if (n % size !== 0) continue;
    let repeats = true;
    for (let k = size; k < n && repeats; k++) repeats = chars[k] === chars[k - size];
    if (repeats) return chars.slice(0, size);
  }
  return null;
}
