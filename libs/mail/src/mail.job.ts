import { isSingleEmailAddress, sanitizeDisplayName } from './mail.address';
import { InvalidMailError } from './mail.errors';
import { isMailTemplate, type MailTemplateName, type MailTemplates } from './mail.templates';

export interface MailRecipient {
  email: string;
  name?: string;
}

/**
 * The mail queue's payload (owned here, not in @docent/queue): the recipient keeps
 * its display name apart from the address, so the name can only ever reach a header through
 * nodemailer's address encoding. The context is rendered by the worker, not before.
 */
export interface SendMailJob<T extends MailTemplateName = MailTemplateName> {
  template: T;
  to: MailRecipient;
  context: MailTemplates[T];
  /** The event the mail reports (reset request id, …): the same event is mailed at most once. */
  eventId: string;
  requestId?: string;
}

/** What a caller hands the producer: a job before validation and clean-up. */
export type SendMailInput<T extends MailTemplateName> = SendMailJob<T>;

/** Retry policy of mail jobs; the only job options a deployment (or a test) may change. */
export interface MailJobOptions {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
}

/** Provide this token to replace `DEFAULT_MAIL_JOB_OPTIONS` (tests use short delays). */
export const MAIL_JOB_OPTIONS = Symbol('MAIL_JOB_OPTIONS');

/** 5 attempts, 5 s doubling: an SMTP outage of about a minute and a quarter loses no mail. */
export const DEFAULT_MAIL_JOB_OPTIONS: Readonly<MailJobOptions> = Object.freeze({
  attempts: 5,
  backoff: Object.freeze({ type: 'exponential' as const, delay: 5000 }),
});

// Event and request ids end up in Redis keys and log lines: short and printable only.
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function isSafeId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_ID.test(value);
}

/** Same template and event → same job id, so bull refuses the second copy while the first exists. */
export function mailJobId(template: MailTemplateName, eventId: string): string {
  return `${template}:${eventId}`;
}

/** Validates a request and cleans the display name; throws `InvalidMailError`. */
export function buildSendMailJob<T extends MailTemplateName>(
  input: SendMailInput<T>,
): SendMailJob<T> {
  if (!isMailTemplate(input.template)) {
    throw new InvalidMailError('mail_template_unknown', 'Unknown mail template.');
  }
  if (!isSingleEmailAddress(input.to.email)) {
    throw new InvalidMailError(
      'mail_recipient_invalid',
      'The recipient is not one e-mail address.',
    );
  }
  if (!isSafeId(input.eventId)) {
    throw new InvalidMailError('mail_event_id_invalid', 'The mail event id is not valid.');
  }
  const name = sanitizeDisplayName(input.to.name);
  return {
    template: input.template,
    to: name === undefined ? { email: input.to.email } : { email: input.to.email, name },
    context: input.context,
    eventId: input.eventId,
    // a request id is only a log correlation aid: drop one we could not log safely
    ...(isSafeId(input.requestId) ? { requestId: input.requestId } : {}),
  };
}
