import { isSingleEmailAddress, sanitizeDisplayName } from './mail.address';
import { InvalidMailError } from './mail.errors';
import type { Keyring } from '@docent/crypto';
import { isMailTemplate, type MailTemplateName, type MailTemplates } from './mail.templates';

export interface MailRecipient {
  email: string;
  name?: string;
}

/** What a caller hands the producer: template, recipient and the template's context in clear. */
export interface SendMailInput<T extends MailTemplateName = MailTemplateName> {
  template: T;
  to: MailRecipient;
  context: MailTemplates[T];
  /** The event the mail reports (reset request id, …): the same event is mailed at most once. */
  eventId: string;
  requestId?: string;
}

/**
 * The mail queue's payload (owned here, not in @docent/queue): the recipient keeps its display
 * name apart from the address, so the name can only ever reach a header through nodemailer's
 * address encoding. The context (a reset link, file names) is sealed with the data keyring
 * (`sealMailContext`): Redis, its dumps and the admin queue view never hold it in clear. The
 * worker opens and renders it at send time.
 */
export interface SendMailJob<T extends MailTemplateName = MailTemplateName> extends Omit<
  SendMailInput<T>,
  'context'
> {
  /** The context as JSON, sealed (AES-256-GCM) and bound to template, event and recipient. */
  sealedContext?: string;
  /** A context in clear: only in jobs queued by an older release or around the producer. */
  context?: MailTemplates[T];
  /** W3C trace context of whatever queued the mail, when tracing is on. */
  traceContext?: Record<string, string>;
}

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
): SendMailInput<T> {
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

/**
 * Associated data of a sealed context: a context cannot be moved to another template, event or
 * recipient (say, a reset link re-addressed by someone who can write to Redis).
 */
function contextAad(job: { template: string; eventId: string; to: MailRecipient }): string {
  return `docent/mail/v1\n${JSON.stringify([job.template, job.eventId, job.to.email])}`;
}

/** The job the producer queues: the validated request with its context sealed. */
export function sealMailJob<T extends MailTemplateName>(
  input: SendMailInput<T>,
  keyring: Keyring,
): SendMailJob<T> {
  const { context, ...rest } = input;
  return { ...rest, sealedContext: keyring.seal(JSON.stringify(context), contextAad(input)) };
}

/**
 * The context to render: opened from `sealedContext`, or the clear one of an older job. Throws
 * `InvalidMailError` when it cannot be opened (tampered, bound to another recipient, or sealed
 * with a key no longer configured): no retry would help.
 */
export function openMailContext(job: SendMailJob, keyring: Keyring): unknown {
  if (job.sealedContext === undefined) return job.context;
  try {
    return JSON.parse(keyring.openText(job.sealedContext, contextAad(job))) as unknown;
  } catch (cause) {
    throw new InvalidMailError(
      'mail_context_unreadable',
      'The mail context could not be opened.',
      cause,
    );
  }
}
