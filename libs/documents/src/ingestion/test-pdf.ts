/* PDFs built by the tests (not exported from the library): text pages, and scans of them. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assemblePdf } from './test-support';

/** One page of `buildPdf`: lines of text (a text layer), or a JPEG drawn over the whole page. */
export type PdfPageSpec = { lines: string[] } | { jpeg: Buffer };

/** Letter size, in points. */
const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;

/** The pixel size and colour components of a baseline or progressive JPEG (its SOF marker). */
export function jpegSize(jpeg: Buffer): { width: number; height: number; components: number } {
  let offset = 2;
  while (offset + 9 < jpeg.length) {
    const marker = jpeg[offset + 1];
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      return {
        height: jpeg.readUInt16BE(offset + 5),
        width: jpeg.readUInt16BE(offset + 7),
        components: jpeg[offset + 9],
      };
    }
    offset += 2 + length;
  }
  throw new Error('not a JPEG with a SOF0-2 marker');
}

/**
 * A PDF written by hand: letter pages, each with text lines (Helvetica 20 pt, a real text layer)
 * or a JPEG image (DCTDecode, embedded as is) and no text at all, like a scan.
 */
export function buildPdf(pages: PdfPageSpec[]): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string) => {
    objects.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    return objects.length;
  };
  const stream = (dict: string, data: Buffer) =>
    Buffer.concat([
      Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);
  const catalog = add('<< /Type /Catalog /Pages 2 0 R >>');
  const pagesIndex = add(''); // filled in below
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const kids: number[] = [];
  for (const page of pages) {
    let content: string;
    let resources: string;
    if ('lines' in page) {
      const escaped = page.lines.map((line) => line.replace(/([\\()])/g, '\\$1'));
      content = `BT /F1 20 Tf 28 TL 72 700 Td ${escaped.map((l) => `(${l}) Tj T*`).join(' ')} ET`;
      resources = `<< /Font << /F1 ${font} 0 R >> >>`;
    } else {
      const { width, height, components } = jpegSize(page.jpeg);
      const colorSpace = components === 1 ? '/DeviceGray' : '/DeviceRGB';
      const image = add(
        stream(
          `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace ${colorSpace} /BitsPerComponent 8 /Filter /DCTDecode`,
          page.jpeg,
        ),
      );
      content = `q ${PAGE_WIDTH} 0 0 ${PAGE_HEIGHT} 0 0 cm /Im1 Do Q`;
      resources = `<< /XObject << /Im1 ${image} 0 R >> >>`;
    }
    const contents = add(stream('', Buffer.from(content, 'latin1')));
    kids.push(
      add(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Contents ${contents} 0 R /Resources ${resources} >>`,
      ),
    );
  }
  objects[pagesIndex - 1] = Buffer.from(
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`,
  );
  return assemblePdf(objects, catalog);
}

/** Runs a program (argument array, no shell); rejects unless it exits with 0. */
function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}: ${stderr}`)),
    );
  });
}

/**
 * A scan of `pages`: a text PDF of those lines, rendered by `pdftoppm` to grayscale JPEGs at
 * `dpi`, each wrapped back into a page with no text layer. `textPages` lists (1-based) pages
 * that keep their text layer instead (a mixed PDF).
 */
export async function scannedPdf(
  pages: string[][],
  options: { dpi?: number; textPages?: number[] } = {},
): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-scan-'));
  try {
    const source = path.join(dir, 'source.pdf');
    fs.writeFileSync(source, buildPdf(pages.map((lines) => ({ lines }))));
    const specs: PdfPageSpec[] = [];
    for (const [index, lines] of pages.entries()) {
      const number = index + 1;
      if (options.textPages?.includes(number)) {
        specs.push({ lines });
        continue;
      }
      const prefix = path.join(dir, `page-${number}`);
      await run('pdftoppm', [
        '-f',
        String(number),
        '-l',
        String(number),
        '-r',
        String(options.dpi ?? 150),
        '-gray',
        '-jpeg',
        '-singlefile',
        source,
        prefix,
      ]);
      specs.push({ jpeg: fs.readFileSync(`${prefix}.jpg`) });
    }
    return buildPdf(specs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
