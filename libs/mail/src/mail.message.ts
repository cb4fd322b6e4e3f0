import { isSingleEmailAddress, sanitizeDisplayName } from './mail.address';
import { InvalidMailError } from './mail.errors';
import type { SendMailJob } from './mail.job';
import { isMailTemplate, type MailTemplates, renderMail } from './mail.templates';

export interface MailMessage {
  /** An address object: nodemailer encodes the name, so it can never start a header of its own. */
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
}

/**
 * Turns a job and its (opened) context into the message to send, or throws `InvalidMailError`
 * when no retry could ever succeed. Re-checks what the producer checked: a job may have been
 * queued some other way. The context is checked by rendering: strict templates refuse a missing
 * variable.
 */
export function composeMail(job: SendMailJob, context: unknown = job.context): MailMessage {
  if (!isMailTemplate(job.template)) {
    throw new InvalidMailError('mail_template_unknown', 'Unknown mail template.');
  }
  const address: unknown = job.to?.email;
  if (!isSingleEmailAddress(address)) {
    throw new InvalidMailError(
      'mail_recipient_invalid',
      'The recipient is not one e-mail address.',
    );
  }
  let rendered;
  try {
    rendered = renderMail(job.template, context as MailTemplates[typeof job.template]);
  } catch (error) {
    // strict mode names the missing variable, never its value
    throw new InvalidMailError('mail_render_failed', 'The mail template could not render.', error);
  }
  return {
    to: { name: sanitizeDisplayName(job.to.name) ?? '', address },
    ...rendered,
  };
}
