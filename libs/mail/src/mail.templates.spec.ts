import { isMailTemplate, type MailTemplates, renderMail, templateSources } from './mail.templates';

const RESET_URL = 'https://docent.test/reset-password?token=abc123&lang=en';

const CONTEXTS: MailTemplates = {
  'password-reset': { displayName: 'Jane Doe', resetUrl: RESET_URL, expiresInMinutes: 30 },
  'password-changed': { displayName: 'Jane Doe', changedAt: '2026-03-01 10:15 UTC' },
  'new-sign-in': {
    displayName: 'Jane Doe',
    signedInAt: '2026-03-01 10:15 UTC',
    device: 'Firefox on Windows',
    ip: '203.0.113.7',
  },
  'ingestion-batch-summary': {
    displayName: 'Jane Doe',
    total: 3,
    completedCount: 2,
    failedCount: 1,
    completed: [{ filename: 'a.pdf' }, { filename: 'b & c.md' }],
    failed: [{ filename: 'locked.pdf', code: 'encrypted_pdf', message: 'The PDF is encrypted.' }],
    documentsUrl: 'https://docent.test/documents',
  },
  'ingestion-failed': {
    displayName: 'Jane Doe',
    filename: 'locked.pdf',
    errorCode: 'encrypted_pdf',
    errorMessage: 'The PDF is encrypted.',
    documentUrl: 'https://docent.test/documents/1',
  },
  'document-shared': {
    displayName: 'Jane Doe',
    sharedByName: 'John Roe',
    filename: 'plan.pdf',
    access: 'read',
    documentUrl: 'https://docent.test/documents/1',
  },
};

describe('mail templates', () => {
  it('has a sample context for every template (so every template is rendered below)', () => {
    expect(Object.keys(CONTEXTS).sort()).toEqual([...templateSources().keys()].sort());
  });

  it.each(Object.keys(CONTEXTS) as (keyof MailTemplates)[])(
    'renders %s with subject, text and html',
    (name) => {
      const mail = renderMail(name, CONTEXTS[name]);
      expect(mail.subject).toMatch(/\S/);
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.text).toContain('Hello Jane Doe,');
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain('Hello Jane Doe,');
      expect(mail.text).not.toMatch(/{{|}}/);
      expect(mail.html).not.toMatch(/{{|}}/);
    },
  );

  it('puts the reset link verbatim in the text part and attribute-escaped in the html part', () => {
    const mail = renderMail('password-reset', CONTEXTS['password-reset']);
    expect(mail.subject).toBe('Reset your Docent password');
    expect(mail.text).toContain(`\n${RESET_URL}\n`);
    expect(mail.text).toContain('within 30 minutes');
    expect(mail.html).toContain(
      'href="https://docent.test/reset-password?token&#x3D;abc123&amp;lang&#x3D;en"',
    );
  });

  it('mentions when the password was changed', () => {
    const mail = renderMail('password-changed', CONTEXTS['password-changed']);
    expect(mail.subject).toBe('Your Docent password was changed');
    expect(mail.text).toContain('changed on 2026-03-01 10:15 UTC.');
  });

  it('says when, from what and from where a new sign-in came', () => {
    const mail = renderMail('new-sign-in', CONTEXTS['new-sign-in']);
    expect(mail.subject).toBe('New sign-in to your Docent account');
    expect(mail.text).toContain('When: 2026-03-01 10:15 UTC\nDevice: Firefox on Windows\n');
    expect(mail.text).toContain('IP address: 203.0.113.7\n');
    expect(mail.html).toContain('<li>Device: Firefox on Windows</li>');
  });

  it('lists completed and failed files in the batch summary, escaped in html', () => {
    const mail = renderMail('ingestion-batch-summary', CONTEXTS['ingestion-batch-summary']);
    expect(mail.subject).toBe('Your upload is processed: 2 of 3 ready, 1 failed');
    expect(mail.text).toContain('Ready (2):\n- a.pdf\n- b & c.md\n');
    expect(mail.text).toContain(
      'Failed (1):\n- locked.pdf: The PDF is encrypted. (encrypted_pdf)\n',
    );
    expect(mail.html).toContain('<li>b &amp; c.md</li>');
    const clean = renderMail('ingestion-batch-summary', {
      ...CONTEXTS['ingestion-batch-summary'],
      total: 1,
      completedCount: 1,
      failedCount: 0,
      completed: [{ filename: 'a.pdf' }],
      failed: [],
    });
    expect(clean.subject).toBe('Your upload is processed: 1 of 1 ready');
    expect(clean.text).not.toContain('Failed');
  });

  it('escapes HTML in user data in the html part', () => {
    const mail = renderMail('password-reset', {
      ...CONTEXTS['password-reset'],
      displayName: '<script>alert("x")</script> & Co',
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    // plain text is not HTML: escaping there would only garble the name
    expect(mail.text).toContain('Hello <script>alert("x")</script> & Co,');
  });

  it('never uses triple-stash (unescaped) expressions', () => {
    for (const [name, source] of templateSources()) {
      expect({ name, html: source.html.includes('{{{') || source.html.includes('{{&') }).toEqual({
        name,
        html: false,
      });
    }
  });

  it('throws on a missing variable instead of rendering a blank', () => {
    const { resetUrl: _omitted, ...incomplete } = CONTEXTS['password-reset'];
    expect(() =>
      renderMail('password-reset', incomplete as MailTemplates['password-reset']),
    ).toThrow(/resetUrl/);
  });

  it('refuses an unknown template', () => {
    expect(isMailTemplate('password-reset')).toBe(true);
    expect(isMailTemplate('nope')).toBe(false);
    expect(isMailTemplate('constructor')).toBe(false);
    expect(isMailTemplate(42)).toBe(false);
    expect(() => renderMail('nope' as keyof MailTemplates, CONTEXTS['password-reset'])).toThrow(
      /unknown mail template/,
    );
  });
});
