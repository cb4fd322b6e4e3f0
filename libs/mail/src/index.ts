export { MailModule } from './mail.module';
export { MailWorkerModule } from './mail-worker.module';
export { MAIL_FAILED_RETENTION_MS, MailProducer } from './mail.producer';
export { MAIL_PURGE_EVERY_MS, MailPurge } from './mail-purge';
export { InvalidMailError, type InvalidMailCode } from './mail.errors';
export {
  DEFAULT_MAIL_JOB_OPTIONS,
  MAIL_JOB_OPTIONS,
  type MailJobOptions,
  type MailRecipient,
  openMailContext,
  type SendMailInput,
  type SendMailJob,
} from './mail.job';
export {
  renderMail,
  type MailTemplateName,
  type MailTemplates,
  type RenderedMail,
} from './mail.templates';
