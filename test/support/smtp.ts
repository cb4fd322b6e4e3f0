import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message as the server received it, decoded just enough for assertions. */
export interface CapturedMail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO): who the message is actually delivered to. */
  to: string[];
  /** Decoded Subject header. */
  subject: string;
  /** First text/plain part, transfer-decoded, line endings as LF. */
  text: string;
  /** First text/html part, transfer-decoded, line endings as LF. */
  html: string;
  /** Every header, unfolded and RFC 2047-decoded, by lower-case name. */
  headers: Record<string, string[]>;
  raw: string;
}

export interface SmtpCapture {
  port: number;
  url: string;
  messages: CapturedMail[];
  /** Resolves with the first message (already received or still to come) matching `predicate`. */
  waitFor(predicate: (mail: CapturedMail) => boolean, timeoutMs: number): Promise<CapturedMail>;
  /** Answer the next `n` messages with `451` (temporary failure) after reading them. */
  failNext(n: number): void;
  /** How many messages were answered with `451` so far. */
  readonly rejected: number;
  close(): Promise<void>;
}

interface Part {
  headers: Record<string, string[]>;
  body: Buffer;
}

function decodeQEncoded(text: string): Buffer {
  return decodeQuotedPrintable(text.replace(/_/g, ' '));
}

/** `=?UTF-8?Q?...?=` and `=?UTF-8?B?...?=` words; whitespace between two words is dropped. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?[^?]+\?[QqBb]\?)/g, '$1')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_word, _charset: string, encoding: string, text: string) =>
        (encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : decodeQEncoded(text)
        ).toString('utf8'),
    );
}

/** Soft line breaks (`=\r\n`) vanish; `=XX` becomes the byte XX (so UTF-8 sequences survive). */
function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function parseHeaders(block: string): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(decodeEncodedWords(line.slice(colon + 1).trim()));
  }
  return headers;
}

function splitEntity(raw: string): Part {
  const match = /\r?\n\r?\n/.exec(raw);
  const headerBlock = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = parseHeaders(headerBlock);
  const encoding = (headers['content-transfer-encoding']?.[0] ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body, 'base64')
        : Buffer.from(body, 'utf8');
  return { headers, body: decoded };
}

/** Leaf parts of a MIME entity, depth first (multipart/alternative, mixed, related…). */
function leafParts(raw: string): Part[] {
  const part = splitEntity(raw);
  const contentType = part.headers['content-type']?.[0] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!/^multipart\//i.test(contentType) || !boundary) return [part];
  const body = part.body.toString('utf8');
  const delimiter = `--${boundary}`;
  const end = body.indexOf(`${delimiter}--`);
  return body
    .slice(0, end === -1 ? undefined : end)
    .split(delimiter)
    .slice(1)
    .map((chunk) => chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''))
    .flatMap(leafParts);
}

export function parseMail(raw: string, session: Pick<SMTPServerSession, 'envelope'>): CapturedMail {
  const top = splitEntity(raw);
  const parts = leafParts(raw);
  const bodyOf = (type: string) => {
    const part = parts.find((p) =>
      (p.headers['content-type']?.[0] ?? 'text/plain').startsWith(type),
    );
    return part ? part.body.toString('utf8').replace(/\r\n/g, '\n') : '';
  };
  const { mailFrom, rcptTo } = session.envelope;
  return {
    from: mailFrom ? mailFrom.address : '',
    to: rcptTo.map((rcpt) => rcpt.address),
    subject: top.headers.subject?.[0] ?? '',
    text: bodyOf('text/plain'),
    html: bodyOf('text/html'),
    headers: top.headers,
    raw,
  };
}

/** An SMTP server on 127.0.0.1 (random port) that keeps every message it accepts in memory. */
export async function startSmtp(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  let failing = 0;
  let rejected = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // do not let a lingering client connection hold up close()
    closeTimeout: 500,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failing > 0) {
          failing--;
          rejected++;
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          return;
        }
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // smtp-server re-emits a client connection's socket errors on the server: an app killed while
  // its pooled SMTP connection is open resets it (read ECONNRESET), and without a listener that
  // event would be an uncaught exception in the test process. A client going away is not a
  // failure of the capture server.
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get rejected() {
      return rejected;
    },
    failNext(n: number) {
      failing = n;
    },
    waitFor(predicate, timeoutMs) {
      return new Promise<CapturedMail>((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
