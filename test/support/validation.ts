import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe, ValidationFailedError } from '@docent/common';

/**
 * The fields the app's validation pipe refuses in `value` for `metadata` (empty when it passes),
 * so that DTO specs assert on field names rather than on the shape of the error; any other error
 * is rethrown so a broken pipe fails the test instead of reading as "no field refused".
 */
export async function refusedFields(value: unknown, metadata: ArgumentMetadata): Promise<string[]> {
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.errors!.map((e) => e.field);
    throw error;
  }
  return [];
}
