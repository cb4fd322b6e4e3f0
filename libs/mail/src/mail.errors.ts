import { AppError } from '@docent/common';

export type InvalidMailCode =
  | 'mail_template_unknown'
  | 'mail_recipient_invalid'
  | 'mail_event_id_invalid'
  | 'mail_render_failed'
  | 'mail_context_unreadable';

/**
 * A mail that can never be sent as asked. Callers pass validated data, so reaching this is a bug
 * (hence `internal`); the processor also uses it to fail a job without retrying. Messages never
 * include the address or the context, because bull stores them as the job's failure reason.
 */
export class InvalidMailError extends AppError {
  constructor(code: InvalidMailCode, message: string, cause?: unknown) {
    super('internal', code, message, { cause });
    this.name = 'InvalidMailError';
  }
}
