/* Helpers for the ingestion specs (not exported from the library). */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { AppError } from '@docent/common/app-error';
import { ExtractionError } from './errors';
import { CORPUS_DIR } from '../../../../test/support/shared';

export { CORPUS_DIR };

export function corpus(name: string): Buffer {
  return fs.readFileSync(path.join(CORPUS_DIR, name));
}

export interface ZipEntrySpec {
  name: string;
  /** Raw deflate data (method 8) or stored bytes (method 0). */
  data: Buffer;
  method: 0 | 8;
  /** What the headers claim; defaults to the truth when known. */
  declaredUncompressedSize: number;
  crc32?: number;
}

/** A deflated (or stored) entry for `buildZip`. */
export function entry(name: string, content: Buffer | string, method: 0 | 8 = 8): ZipEntrySpec {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return {
    name,
    data: method === 8 ? zlib.deflateRawSync(bytes) : bytes,
    method,
    declaredUncompressedSize: bytes.length,
    crc32: zlib.crc32(bytes),
  };
}

/**
 * A raw deflate stream that inflates to `megabytes` MiB of zeros, built without ever holding
 * them: one 1 MiB block sequence compressed once (ending in a sync flush, so it is byte-aligned
 * and not final) and repeated, then an empty final block.
 */
export function deflatedZeros(megabytes: number): Buffer {
  const segment = zlib.deflateRawSync(Buffer.alloc(1024 * 1024), {
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const end = zlib.deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([...Array.from({ length: megabytes }, () => segment), end]);
}

/** A minimal ZIP (no data descriptors, no zip64) written by hand, headers as told. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = e.crc32 ?? 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredUncompressedSize >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, e.data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declaredUncompressedSize >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment lengths, disk, attributes: 0
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

/** The parts that make a ZIP look like a docx to file-type and mammoth. */
export function docxParts(documentXml: string): ZipEntrySpec[] {
  return [
    entry(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    entry(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    entry('word/document.xml', documentXml),
  ];
}

export const SIMPLE_DOCUMENT_XML =
  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hand made docx</w:t></w:r></w:p></w:body></w:document>';

/** Runs `fn` and returns the error it throws (fails the test when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected an error');
}

/** The text of every page, one page per line. */
export function allText(result: { pages: { text: string }[] }): string {
  return result.pages.map((p) => p.text).join('\n');
}

/** The permanent ExtractionError with `code` that `promise` fails with. */
export async function expectCode(
  promise: () => Promise<unknown>,
  code: string,
): Promise<ExtractionError> {
  const error = await caught(promise);
  expect(error).toBeInstanceOf(ExtractionError);
  expect(error).toBeInstanceOf(AppError);
  expect(error.code).toBe(code);
  expect(error.permanent).toBe(true);
  expect(error.message).toEqual(expect.any(String));
  return error as unknown as ExtractionError;
}

/** What `runInChild` saw: the child's JSON answer, or that it ran out of time. */
export type ChildRun<T> = { timedOut: false; value: T } | { timedOut: true };

/**
 * Runs `body` (the body of an async function; its return value is sent back as JSON) in a
 * separate node process where `require` loads the TypeScript sources, killed after `timeoutMs`.
 * For "this must finish fast" tests whose old code blocks for minutes: a synchronous hang
 * cannot be interrupted in-process, so the bound is kept by killing the child.
 */
export function runInChild<T>(body: string, timeoutMs: number): Promise<ChildRun<T>> {
  const script = `
const fs = require('node:fs');
const Module = require('node:module');
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const LIBS = ${JSON.stringify(path.resolve(__dirname, '../../..'))};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@docent/common/app-error') request = LIBS + '/common/src/errors/app-error.ts';
  else if (/^@docent\\/[a-z]+$/.test(request)) request = LIBS + '/' + request.slice(8) + '/src/index.ts';
  return resolve.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.Node16,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
    },
  });
  module._compile(outputText, filename);
};
(async () => {${body}
})().then(
  (value) => process.stdout.write(JSON.stringify({ value })),
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); },
);
`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: __dirname,
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut) resolve({ timedOut: true });
      else if (code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve({ timedOut: false, value: (JSON.parse(stdout) as { value: T }).value });
    });
  });
}

/**
 * A one-page PDF whose content stream is `megabytes` MiB of zeros, Flate-compressed (about 1 KB
 * per MiB): a decompression bomb, built without ever holding the inflated bytes. `text` is
 * shown on the page (a second, small content stream), so the PDF has a text layer.
 */
export function pdfBomb(megabytes: number, text = 'Bomb page'): Buffer {
  const raw = deflatedZeros(megabytes);
  const size = megabytes * 1024 * 1024;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((size % 65521) << 16) | 1) >>> 0); // a = 1, b = size (all bytes zero)
  const bomb = Buffer.concat([Buffer.from([0x78, 0x9c]), raw, adler]);
  const shown = Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`, 'latin1');
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from(
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R] ' +
        '/Resources << /Font << /F1 6 0 R >> >> >>',
    ),
    Buffer.concat([
      Buffer.from(`<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`),
      bomb,
      Buffer.from('\nendstream'),
    ]),
    Buffer.concat([
      Buffer.from(`<< /Length ${shown.length} >>\nstream\n`),
      shown,
      Buffer.from('\nendstream'),
    ]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ];
  return assemblePdf(objects, 1);
}

/**
 * A PDF file from its objects (object n is `objects[n - 1]`): header, the numbered objects, the
 * cross-reference table and the trailer naming `root` as the catalog.
 */
export function assemblePdf(objects: readonly Buffer[], root: number): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const object = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`),
      body,
      Buffer.from('\nendobj\n'),
    ]);
    parts.push(object);
    offset += object.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`),
    `trailer\n<< /Size ${objects.length + 1} /Root ${root} 0 R >>\nstartxref\n${offset}\n%%EOF\n`,
  ].join('');
  parts.push(Buffer.from(xref));
  return Buffer.concat(parts);
}
