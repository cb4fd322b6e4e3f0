import { randomBytes } from 'node:crypto';
import { detectType, extensionOf, isRejection, sanitizeFilename } from './detect-type';
import { MIME_BY_KIND } from './types';
import { buildZip, corpus, docxParts, entry, SIMPLE_DOCUMENT_XML } from './test-support';

const PDFS = [
  'minimal-document.pdf',
  'pdflatex-4-pages.pdf',
  'google-doc-document.pdf',
  'multicolumn.pdf',
  'imagemagick-images.pdf',
  'libreoffice-writer-password.pdf',
];
const DOCXS = ['single-paragraph.docx', 'tables.docx', 'footnotes.docx', 'empty.docx'];

describe('detectType', () => {
  it.each(PDFS)('detects corpus %s as pdf', async (name) => {
    await expect(detectType(corpus(name), name)).resolves.toEqual({
      kind: 'pdf',
      mime: 'application/pdf',
    });
  });

  it.each(DOCXS)('detects corpus %s as docx', async (name) => {
    await expect(detectType(corpus(name), name)).resolves.toEqual({
      kind: 'docx',
      mime: MIME_BY_KIND.docx,
    });
  });

  it('detects a docx from the first 4 KB alone', async () => {
    const head = corpus('tables.docx').subarray(0, 4096);
    await expect(detectType(head, 'tables.docx', { truncated: true })).resolves.toMatchObject({
      kind: 'docx',
    });
  });

  it('detects a hand-made docx-shaped zip as docx', async () => {
    const zip = buildZip(docxParts(SIMPLE_DOCUMENT_XML));
    await expect(detectType(zip, 'hand.docx')).resolves.toMatchObject({ kind: 'docx' });
  });

  it.each([
    ['minimal-document.pdf', 'renamed.docx'],
    ['minimal-document.pdf', 'renamed.txt'],
    ['single-paragraph.docx', 'renamed.pdf'],
    ['single-paragraph.docx', 'renamed.md'],
  ])('rejects %s named %s as type_mismatch', async (name, renamed) => {
    await expect(detectType(corpus(name), renamed)).resolves.toMatchObject({
      code: 'type_mismatch',
    });
  });

  it('rejects text named .pdf or .docx as type_mismatch', async () => {
    const text = Buffer.from('just some text\n');
    await expect(detectType(text, 'a.pdf')).resolves.toMatchObject({ code: 'type_mismatch' });
    await expect(detectType(text, 'a.docx')).resolves.toMatchObject({ code: 'type_mismatch' });
  });

  it('rejects a ZIP that is not a docx as unsupported_type', async () => {
    const zip = buildZip([entry('hello.txt', 'hello'), entry('data/more.txt', 'more')]);
    const result = await detectType(zip, 'archive.docx');
    expect(result).toMatchObject({ code: 'unsupported_type' });
    await expect(detectType(zip, 'archive.zip')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
  });

  it('rejects random bytes as unsupported_type', async () => {
    const bytes = randomBytes(4096);
    for (const name of ['random.txt', 'random.pdf', 'random.bin', 'random.csv']) {
      await expect(detectType(bytes, name)).resolves.toMatchObject({ code: 'unsupported_type' });
    }
  });

  it('rejects a PNG (even named .txt) as unsupported_type', async () => {
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.alloc(64, 1),
    ]);
    await expect(detectType(png, 'image.png')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
    await expect(detectType(png, 'image.txt')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
  });

  it('rejects an empty file (or only whitespace) as empty_file', async () => {
    await expect(detectType(Buffer.alloc(0), 'empty.pdf')).resolves.toMatchObject({
      code: 'empty_file',
    });
    await expect(detectType(Buffer.from('\ufeff  \n'), 'blank.txt')).resolves.toMatchObject({
      code: 'empty_file',
    });
  });

  it('rejects unknown or missing extensions as unsupported_type', async () => {
    const text = Buffer.from('hello');
    await expect(detectType(text, 'notes.exe')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
    await expect(detectType(text, 'README')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
  });

  it('accepts UTF-8 text with a BOM', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße, 世界\n')]);
    await expect(detectType(text, 'greeting.TXT')).resolves.toEqual({
      kind: 'txt',
      mime: 'text/plain',
    });
  });

  it('rejects text that is not UTF-8 or contains NUL bytes', async () => {
    await expect(detectType(Buffer.from('caf\xe9', 'latin1'), 'a.txt')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
    await expect(detectType(Buffer.from('a\u0000b'), 'a.txt')).resolves.toMatchObject({
      code: 'unsupported_type',
    });
  });

  it('tolerates a multi-byte character cut at the end of a truncated head', async () => {
    const head = Buffer.from('héllo wörld').subarray(0, 9); // cuts "ö"
    await expect(detectType(head, 'a.txt', { truncated: true })).resolves.toMatchObject({
      kind: 'txt',
    });
    await expect(detectType(head, 'a.txt')).resolves.toMatchObject({ code: 'unsupported_type' });
  });

  it('detects md, csv, json and html and checks json and html content', async () => {
    await expect(detectType(Buffer.from('# Title\n\ntext'), 'a.md')).resolves.toEqual({
      kind: 'md',
      mime: 'text/markdown',
    });
    await expect(detectType(Buffer.from('a,b\n1,2\n'), 'a.csv')).resolves.toEqual({
      kind: 'csv',
      mime: 'text/csv',
    });
    await expect(detectType(Buffer.from('{"a": [1, 2]}'), 'a.json')).resolves.toEqual({
      kind: 'json',
      mime: 'application/json',
    });
    await expect(detectType(Buffer.from('{"a": [1, 2'), 'a.json')).resolves.toMatchObject({
      code: 'type_mismatch',
    });
    await expect(
      detectType(Buffer.from('<!DOCTYPE html><html><body><p>Hi</p></body></html>'), 'a.htm'),
    ).resolves.toEqual({ kind: 'html', mime: 'text/html' });
    await expect(detectType(Buffer.from('no markup here'), 'a.html')).resolves.toMatchObject({
      code: 'type_mismatch',
    });
  });

  it('refuses an HTML document under a text extension (type_mismatch), but not text mentioning tags', async () => {
    const page =
      '<!-- saved -->\n<!DOCTYPE html><html><body><script>alert(1)</script></body></html>';
    for (const name of ['page.txt', 'page.md', 'page.csv', 'page.json']) {
      await expect(detectType(Buffer.from(page), name)).resolves.toMatchObject({
        code: 'type_mismatch',
      });
    }
    await expect(
      detectType(Buffer.from('<html lang="en"><p>x</p>'), 'a.txt'),
    ).resolves.toMatchObject({ code: 'type_mismatch' });
    await expect(
      detectType(Buffer.from('# Notes\n\nUse <br> for a line break; <html> is the root.'), 'a.md'),
    ).resolves.toEqual({ kind: 'md', mime: 'text/markdown' });
    await expect(detectType(Buffer.from('html, body\n1, 2\n'), 'a.csv')).resolves.toMatchObject({
      kind: 'csv',
    });
  });

  it('gives a message with every rejection', async () => {
    const result = await detectType(Buffer.alloc(0), 'x.txt');
    expect(isRejection(result) && result.message.length > 0).toBe(true);
  });
});

describe('extensionOf', () => {
  it('lower-cases the last extension and ignores dot files', () => {
    expect(extensionOf('Report.Final.PDF')).toBe('pdf');
    expect(extensionOf('.bashrc')).toBe('');
    expect(extensionOf('dir.d/file')).toBe('');
  });
});

describe('sanitizeFilename', () => {
  it('strips directories (both separators)', () => {
    expect(sanitizeFilename('../../etc/passwd.txt')).toBe('passwd.txt');
    expect(sanitizeFilename('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
  });

  it('removes control and bidi characters and replaces reserved ones', () => {
    expect(sanitizeFilename('a\u0000b\u0007c\r\n.txt')).toBe('abc.txt');
    expect(sanitizeFilename('evil\u202etxt.exe.pdf')).toBe('eviltxt.exe.pdf');
    expect(sanitizeFilename('what<is>this:"file"|?*.md')).toBe('what_is_this__file____.md');
  });

  it('trims spaces and dots, collapses whitespace, never returns an empty name', () => {
    expect(sanitizeFilename('  my   notes .txt  ')).toBe('my notes.txt');
    expect(sanitizeFilename('...')).toBe('file');
    expect(sanitizeFilename('.pdf')).toBe('pdf');
    expect(sanitizeFilename('')).toBe('file');
    expect(sanitizeFilename('/')).toBe('file');
  });

  it('guards Windows device names', () => {
    expect(sanitizeFilename('CON.txt')).toBe('_CON.txt');
  });

  it('limits the length in UTF-8 bytes and keeps the extension', () => {
    const long = `${'é'.repeat(300)}.docx`;
    const result = sanitizeFilename(long);
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(200);
    expect(result.endsWith('.docx')).toBe(true);
    expect(result.startsWith('éé')).toBe(true);
  });
});
