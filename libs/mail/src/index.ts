export { MailModule } from './mail.module';
export { MailWorkerModule } from './mail-worker.module';
export { MailProducer } from './mail.producer';
export { InvalidMailError, type InvalidMailCode } from './mail.errors';
export {
  DEFAULT_MAIL_JOB_OPTIONS,
  MAIL_JOB_OPTIONS,
  type MailJobOptions,
  type MailRecipient,
  type SendMailInput,
  type SendMailJob,
} from './mail.job';
export {
  renderMail,
  type MailTemplateName,
  type MailTemplates,
  type RenderedMail,
} from './mail.templates';
