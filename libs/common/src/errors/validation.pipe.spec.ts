import { Type } from 'class-transformer';
import { IsEmail, IsInt, Min, ValidateNested } from 'class-validator';
import { ValidationFailedError } from './app-error';
import { createValidationPipe } from './validation.pipe';

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
});
