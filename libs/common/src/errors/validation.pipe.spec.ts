import { Type } from 'class-transformer';
import { IsEmail, IsInt, Min, ValidateNested } from 'class-validator';
import { ValidationFailedError } from './app-error';
import { createValidationPipe, findUnsafeString } from './validation.pipe';

class Address {
  @IsInt()
  @Min(1)
  number!: number;
}

class Person {
  @IsEmail()
  email!: string;

  @ValidateNested({ each: true })
  @Type(() => Address)
  addresses!: Address[];
}

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const run = (value: unknown) => pipe.transform(value, { type: 'body', metatype: Person });

  it('flattens nested and array errors into dotted field paths', async () => {
    const error = await run({ email: 'nope', addresses: [{ number: 2 }, { number: 0 }] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).errors).toEqual([
      { field: 'email', message: 'email must be an email' },
      { field: 'addresses.1.number', message: 'number must not be less than 1' },
    ]);
  });

  it('refuses fields the DTO does not declare', async () => {
    const error = (await run({ email: 'a@b.co', addresses: [], role: 'admin' }).catch(
      (e: unknown) => e,
    )) as ValidationFailedError;
    expect(error.errors).toEqual([{ field: 'role', message: 'property role should not exist' }]);
  });

  it('returns an instance of the DTO for valid input', async () => {
    const value = await run({ email: 'a@b.co', addresses: [{ number: 3 }] });
    expect(value).toBeInstanceOf(Person);
    expect((value as Person).addresses[0]).toBeInstanceOf(Address);
  });

  it('refuses NUL characters and unpaired surrogates before any validator sees them', async () => {
    // validator.js's isEmail throws URIError on a lone surrogate: this was a 500
    for (const email of ['a\ud800@b.co', 'a\udc00@b.co', 'a\u0000@b.co', 'a@b.co\ud83d']) {
      const error = (await run({ email, addresses: [] }).catch(
        (e: unknown) => e,
      )) as ValidationFailedError;
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect(error.errors).toEqual([
        { field: 'email', message: 'email must be Unicode text without NUL characters' },
      ]);
    }
    const nested = (await run({
      email: 'a@b.co',
      addresses: [{ number: 1, note: 'x\u0000' }],
    }).catch((e: unknown) => e)) as ValidationFailedError;
    expect(nested.errors?.[0].field).toBe('addresses.0.note');
    const query = (await pipe
      .transform({ q: 'x\u0000' }, { type: 'query', metatype: Object })
      .catch((e: unknown) => e)) as ValidationFailedError;
    expect(query.errors).toEqual([
      { field: 'q', message: 'q must be Unicode text without NUL characters' },
    ]);
    const param = (await pipe
      .transform('\ud800', { type: 'param', data: 'id', metatype: String })
      .catch((e: unknown) => e)) as ValidationFailedError;
    expect(param.errors?.[0].field).toBe('id');
  });

  it('lets well-formed text through, astral characters included', async () => {
    expect(
      findUnsafeString({ a: ['été 💩 \u202e', { b: '\u{1F600}' }], c: 1, d: null }),
    ).toBeUndefined();
    expect(findUnsafeString({ a: ['ok', { b: 'x\u0000' }] })).toBe('a.1.b');
    expect(findUnsafeString('\ud800')).toBe('');
    await expect(run({ email: 'été@b.co', addresses: [] })).resolves.toBeInstanceOf(Person);
  });
});
