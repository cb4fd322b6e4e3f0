import Handlebars from 'handlebars';

/**
 * Template name → the context it needs. Adding a template means adding an entry here and its
 * sources in `SOURCES` below; the compiler refuses one without the other.
 */
export interface MailTemplates {
  'password-reset': { displayName: string; resetUrl: string; expiresInMinutes: number };
  /** `changedAt` arrives already formatted for display: contexts travel as JSON. */
  'password-changed': { displayName: string; changedAt: string };
  /**
   * A sign-in from a device the user has not used recently. `signedInAt` is formatted for display,
   * `device` is coarse ("Firefox on Windows"), `ip` is the client address or "an unknown address".
   */
  'new-sign-in': { displayName: string; signedInAt: string; device: string; ip: string };
  /** One mail per upload batch once its last document is final (notifications). */
  'ingestion-batch-summary': {
    displayName: string;
    total: number;
    completedCount: number;
    failedCount: number;
    completed: { filename: string }[];
    failed: { filename: string; code: string; message: string }[];
    documentsUrl: string;
  };
  /** A document failed outside a batch (a later run, e.g. a reingest). */
  'ingestion-failed': {
    displayName: string;
    filename: string;
    errorCode: string;
    errorMessage: string;
    documentUrl: string;
  };
  'document-shared': {
    displayName: string;
    sharedByName: string;
    filename: string;
    /** `read` or `read and edit`, ready for the sentence. */
    access: string;
    documentUrl: string;
  };
}

export type MailTemplateName = keyof MailTemplates;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface TemplateSource {
  subject: string;
  text: string;
  html: string;
}

/** Table layout and inline styles: many mail clients ignore `<style>` blocks. */
function layout(body: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
  <body style="margin:0;padding:24px;background:#f5f5f7;font-family:Helvetica,Arial,sans-serif;color:#1d1d1f;">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
      <table role="presentation" width="560" cellpadding="24" cellspacing="0" style="background:#ffffff;border-radius:8px;">
        <tr><td style="font-size:15px;line-height:1.5;">${body}
          <p style="color:#6e6e73;font-size:13px;">Docent</p>
        </td></tr>
      </table>
    </td></tr></table>
  </body>
</html>
`;
}

// Only `{{ }}` in these sources: the html part then escapes every value (names are user data).
const SOURCES: { [K in MailTemplateName]: TemplateSource } = {
  'password-reset': {
    subject: 'Reset your Docent password',
    text: `Hello {{displayName}},

Someone, hopefully you, asked to reset the password of your Docent account. To choose a new password, open this link within {{expiresInMinutes}} minutes:

{{resetUrl}}

The link works once. If you did not ask for this, ignore this e-mail: your password stays as it is.

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>Someone, hopefully you, asked to reset the password of your Docent account. To choose a new password, open this link within {{expiresInMinutes}} minutes:</p>
          <p><a href="{{resetUrl}}" style="color:#0066cc;">Choose a new password</a></p>
          <p style="font-size:13px;word-break:break-all;">{{resetUrl}}</p>
          <p>The link works once. If you did not ask for this, ignore this e-mail: your password stays as it is.</p>`),
  },
  'password-changed': {
    subject: 'Your Docent password was changed',
    text: `Hello {{displayName}},

The password of your Docent account was changed on {{changedAt}}.

If this was you, there is nothing to do. If it was not, reset your password right away and tell your administrator.

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>The password of your Docent account was changed on {{changedAt}}.</p>
          <p>If this was you, there is nothing to do. If it was not, reset your password right away and tell your administrator.</p>`),
  },
  'new-sign-in': {
    subject: 'New sign-in to your Docent account',
    text: `Hello {{displayName}},

Your Docent account was signed in to from a device or network you have not used recently:

When: {{signedInAt}}
Device: {{device}}
IP address: {{ip}}

If this was you, there is nothing to do. If it was not, change your password right away (that ends every other session) and tell your administrator.

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>Your Docent account was signed in to from a device or network you have not used recently:</p>
          <ul><li>When: {{signedInAt}}</li><li>Device: {{device}}</li><li>IP address: {{ip}}</li></ul>
          <p>If this was you, there is nothing to do. If it was not, change your password right away (that ends every other session) and tell your administrator.</p>`),
  },
  'ingestion-batch-summary': {
    subject:
      'Your upload is processed: {{completedCount}} of {{total}} ready{{#if failedCount}}, {{failedCount}} failed{{/if}}',
    text: `Hello {{displayName}},

Docent finished processing the {{total}} file(s) you uploaded together.
{{#if completedCount}}
Ready ({{completedCount}}):
{{#each completed}}
- {{filename}}
{{/each}}
{{/if}}
{{#if failedCount}}
Failed ({{failedCount}}):
{{#each failed}}
- {{filename}}: {{message}} ({{code}})
{{/each}}
{{/if}}
Your documents: {{documentsUrl}}

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>Docent finished processing the {{total}} file(s) you uploaded together.</p>
          {{#if completedCount}}<p><strong>Ready ({{completedCount}})</strong></p>
          <ul>{{#each completed}}<li>{{filename}}</li>{{/each}}</ul>{{/if}}
          {{#if failedCount}}<p><strong>Failed ({{failedCount}})</strong></p>
          <ul>{{#each failed}}<li>{{filename}}: {{message}} <code>{{code}}</code></li>{{/each}}</ul>{{/if}}
          <p><a href="{{documentsUrl}}" style="color:#0066cc;">Open your documents</a></p>`),
  },
  'ingestion-failed': {
    subject: 'Docent could not process {{filename}}',
    text: `Hello {{displayName}},

Docent could not process "{{filename}}": {{errorMessage}} ({{errorCode}})

The document: {{documentUrl}}

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>Docent could not process <strong>{{filename}}</strong>: {{errorMessage}} <code>{{errorCode}}</code></p>
          <p><a href="{{documentUrl}}" style="color:#0066cc;">Open the document</a></p>`),
  },
  'document-shared': {
    subject: '{{sharedByName}} shared {{filename}} with you',
    text: `Hello {{displayName}},

{{sharedByName}} shared "{{filename}}" with you on Docent. You can {{access}} it.

The document: {{documentUrl}}

Docent
`,
    html: layout(`
          <p>Hello {{displayName}},</p>
          <p>{{sharedByName}} shared <strong>{{filename}}</strong> with you on Docent. You can {{access}} it.</p>
          <p><a href="{{documentUrl}}" style="color:#0066cc;">Open the document</a></p>`),
  },
};

/** A private instance, so helpers or partials registered elsewhere can never reach our templates. */
const hbs = Handlebars.create();

type Render = (context: object) => string;

interface CompiledTemplate {
  subject: Render;
  text: Render;
  html: Render;
}

/**
 * strict: a missing variable throws instead of rendering an empty link. The subject and text
 * parts are plain text, where HTML escaping would only corrupt values (`&` and `=` in URLs).
 */
function compile(source: TemplateSource): CompiledTemplate {
  return {
    subject: hbs.compile(source.subject, { strict: true, noEscape: true }),
    text: hbs.compile(source.text, { strict: true, noEscape: true }),
    html: hbs.compile(source.html, { strict: true }),
  };
}

const COMPILED = new Map<string, CompiledTemplate>(
  Object.entries(SOURCES).map(([name, source]) => [name, compile(source)]),
);

/** The raw sources, for tests that check properties of every template. */
export function templateSources(): ReadonlyMap<string, TemplateSource> {
  return new Map(Object.entries(SOURCES));
}

export function isMailTemplate(name: unknown): name is MailTemplateName {
  return typeof name === 'string' && COMPILED.has(name);
}

// Control characters, line and paragraph separators: none may reach the Subject header.
const NOT_IN_SUBJECT = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;

export function renderMail<T extends MailTemplateName>(
  template: T,
  context: MailTemplates[T],
): RenderedMail {
  const compiled = COMPILED.get(template);
  if (!compiled) throw new Error(`unknown mail template "${String(template)}"`);
  return {
    subject: compiled.subject(context).replace(NOT_IN_SUBJECT, ' ').trim(),
    text: compiled.text(context),
    html: compiled.html(context),
  };
}
