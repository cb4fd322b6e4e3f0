import { AppError } from '../errors/app-error';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Docent's deepest real body (a role's
 * permission conditions) is under ten levels; class-transformer recurses once per level and
 * overflows the stack at about 2,000, which answered 500 before this limit.
 */
export const MAX_JSON_DEPTH = 32;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

const malformed = (detail: string): AppError =>
  new AppError('bad_request', 'malformed_json', detail);

/**
 * Whether `text` nests arrays/objects deeper than `max`, by one pass over its characters that
 * skips string contents. Runs before JSON.parse so a deep body never reaches a recursive
 * consumer; linear in the length and allocation-free.
 */
export function exceedsJsonDepth(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c /* \ */) escaped = true;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth -= 1;
    }
  }
  return false;
}

const hasOwn = (value: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(value, key);

/**
 * The key that would poison a prototype, as secure-json-parse (Fastify's default JSON parser)
 * refuses them: any `__proto__`, and a `constructor` holding a `prototype`. Iterative, so its
 * cost is one visit per value whatever the shape.
 */
export function findPoisonedKey(root: unknown): '__proto__' | 'constructor' | undefined {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    if (hasOwn(node, '__proto__')) return '__proto__';
    const record = node as Record<string, unknown>;
    if (hasOwn(node, 'constructor')) {
      const ctor = record.constructor;
      if (ctor !== null && typeof ctor === 'object' && hasOwn(ctor, 'prototype')) {
        return 'constructor';
      }
    }
    for (const key of Object.keys(record)) pending.push(record[key]);
  }
  return undefined;
}

/**
 * Parses a request body sent as `application/json`: strict UTF-8, an object at the top (every
 * Docent body is one; `null` would otherwise pass as `{}`), at most MAX_JSON_DEPTH levels, no prototype-poisoning keys.
 * Every refusal is a 400 problem with a stable code; the caller's bytes are never echoed.
 */
export function parseJsonBody(body: Buffer, maxDepth: number = MAX_JSON_DEPTH): unknown {
  let text: string;
  try {
    text = fatalUtf8.decode(body);
  } catch {
    throw malformed('The body is not valid UTF-8.');
  }
  if (text.trim().length === 0) {
    throw malformed('The body is empty although its content type is application/json.');
  }
  if (exceedsJsonDepth(text, maxDepth)) {
    throw new AppError(
      'bad_request',
      'json_too_deep',
      `The body nests arrays or objects more than ${maxDepth} levels deep.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('The body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed('The body must be a JSON object.');
  }
  // the parse already produced every key: only bodies that can spell one need the walk
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const key = findPoisonedKey(value);
    if (key) {
      throw new AppError(
        'bad_request',
        'forbidden_json_key',
        `The body contains the key "${key}", which is not allowed.`,
      );
    }
  }
  return value;
}
