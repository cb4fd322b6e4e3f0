import { AppError } from '../errors/app-error';
import { exceedsJsonDepth, findPoisonedKey, MAX_JSON_DEPTH, parseJsonBody } from './json-body';

const codeOf = (body: string | Buffer): string | undefined => {
  try {
    parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    return (error as AppError).code;
  }
};

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('exceedsJsonDepth', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(exceedsJsonDepth(nested(3), 3)).toBe(false);
    expect(exceedsJsonDepth(nested(4), 3)).toBe(true);
    expect(exceedsJsonDepth('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[{}]}}', 3)).toBe(true);
    expect(exceedsJsonDepth(`{"a":"${'['.repeat(100)}"}`, 3)).toBe(false);
    // an escaped quote does not end the string; an escaped backslash does not escape the quote
    expect(exceedsJsonDepth(`{"a":"\\"${'{'.repeat(10)}"}`, 3)).toBe(false);
    expect(exceedsJsonDepth(`{"a":"\\\\"${'['.repeat(10)}`, 3)).toBe(true);
  });

  it('siblings do not add up', () => {
    expect(exceedsJsonDepth(`[${Array.from({ length: 1000 }, () => '[[]]').join(',')}]`, 3)).toBe(
      false,
    );
  });
});

describe('findPoisonedKey', () => {
  it('finds __proto__ and constructor.prototype at any depth, like secure-json-parse', () => {
    expect(findPoisonedKey(JSON.parse('{"a":[{"b":{"__proto__":{"x":1}}}]}'))).toBe('__proto__');
    expect(findPoisonedKey(JSON.parse('{"constructor":{"prototype":{"x":1}}}'))).toBe(
      'constructor',
    );
    expect(findPoisonedKey(JSON.parse('{"constructor":"a string is harmless"}'))).toBeUndefined();
    expect(findPoisonedKey({ a: [1, 'x', null, { b: true }] })).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  it('parses a JSON object', () => {
    expect(parseJsonBody(Buffer.from('{"title":"été ☃","n":[1,{"a":null}]}'))).toEqual({
      title: 'été ☃',
      n: [1, { a: null }],
    });
    // a UTF-8 byte order mark is tolerated
    expect(parseJsonBody(Buffer.from('\uFEFF{"a":1}'))).toEqual({ a: 1 });
  });

  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    expect(parseJsonBody(Buffer.from(objects(MAX_JSON_DEPTH)))).toBeDefined();
    expect(parseJsonBody(Buffer.from(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`))).toBeDefined();
    expect(codeOf(objects(MAX_JSON_DEPTH + 1))).toBe('json_too_deep');
    expect(codeOf(`{"a":${nested(MAX_JSON_DEPTH)}}`)).toBe('json_too_deep');
    expect(codeOf(`{"a":${nested(100_000)}}`)).toBe('json_too_deep');
    expect(codeOf(`{"a":${'{"a":'.repeat(100_000)}`)).toBe('json_too_deep');
  });

  it('refuses prototype-poisoning keys, escaped spellings included', () => {
    expect(codeOf('{"__proto__":{"isAdmin":true}}')).toBe('forbidden_json_key');
    expect(codeOf('{"a":{"\\u005f_proto__":{"isAdmin":true}}}')).toBe('forbidden_json_key');
    expect(codeOf('{"constructor":{"prototype":{"isAdmin":true}}}')).toBe('forbidden_json_key');
    expect(codeOf('{"a":[{"constructo\\u0072":{"prototype":{}}}]}')).toBe('forbidden_json_key');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('refuses what is not one UTF-8 JSON object', () => {
    for (const body of ['', '   ', '{"a":', 'null', '42', '"text"', 'true', '[]', '[{"a":1}]']) {
      expect(codeOf(body)).toBe('malformed_json');
    }
    expect(codeOf(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).toBe(
      'malformed_json',
    );
    // an unpaired surrogate encoded as UTF-8 (CESU) is not UTF-8 either
    expect(
      codeOf(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])),
    ).toBe('malformed_json');
  });
});
