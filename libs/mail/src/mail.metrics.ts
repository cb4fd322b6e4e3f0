import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';
import { isMailTemplate, templateSources } from './mail.templates';

/** How one attempt to send a mail ended: sent, failed and retried later, or dropped for good. */
export type MailOutcome = 'sent' | 'retry' | 'dropped';

/**
 * `mail_messages_total{template,outcome}` on the worker's registry (`/metrics`): every send
 * attempt by template (the known templates only; anything else is `other`) and outcome. A rising
 * `dropped` is mail people never got (an SMTP server refusing for good, a bad address).
 */
@Injectable()
export class MailMetrics {
  private readonly messages: Counter<'template' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.messages = new Counter({
      name: 'mail_messages_total',
      help: 'Mail send attempts by template and outcome (sent, retry, dropped)',
      labelNames: ['template', 'outcome'] as const,
      registers: [registry],
    });
    for (const template of templateSources().keys()) {
      for (const outcome of ['sent', 'retry', 'dropped'] as const) {
        this.messages.inc({ template, outcome }, 0);
      }
    }
  }

  attempt(template: unknown, outcome: MailOutcome): void {
    this.messages.inc({ template: isMailTemplate(template) ? template : 'other', outcome });
  }
}
