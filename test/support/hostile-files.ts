import { constants, deflateRawSync } from 'node:zlib';
import { buildZip, DOCX_CONTENT_TYPES, DOCX_RELS } from './zip';

/**
 * A zlib stream (header, raw deflate, Adler-32) that inflates to `megabytes` MiB of zeros, built
 * without ever holding them: one compressed MiB (ending in a sync flush, so it is byte-aligned
 * and not final) repeated, then an empty final block. About 1 KB per MiB.
 */
export function zlibZeros(megabytes: number): Buffer {
  const segment = deflateRawSync(Buffer.alloc(1024 * 1024), {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const end = deflateRawSync(Buffer.alloc(0));
  const size = megabytes * 1024 * 1024;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((size % 65521) << 16) | 1) >>> 0); // a = 1, b = size (all bytes zero)
  return Buffer.concat([
    Buffer.from([0x78, 0x9c]),
    ...Array.from({ length: megabytes }, () => segment),
    end,
    adler,
  ]);
}

/**
 * A one-page PDF whose first content stream is `megabytes` MiB of zeros, Flate-compressed: a
 * decompression bomb of about 1 KB per MiB. `text` is shown by a second, small content stream.
 */
export function pdfBomb(megabytes: number, text = 'Bomb page'): Buffer {
  const bomb = zlibZeros(megabytes);
  const shown = Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`, 'latin1');
  const stream = (dictionary: string, data: Buffer) =>
    Buffer.concat([Buffer.from(`${dictionary}\nstream\n`), data, Buffer.from('\nendstream')]);
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from(
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R] ' +
        '/Resources << /Font << /F1 6 0 R >> >> >>',
    ),
    stream(`<< /Length ${bomb.length} /Filter /FlateDecode >>`, bomb),
    stream(`<< /Length ${shown.length} >>`, shown),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ];
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
  parts.push(
    Buffer.from(
      [
        `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
        ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`),
        `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`,
      ].join(''),
    ),
  );
  return Buffer.concat(parts);
}

/** A docx whose word/document.xml inflates to `megabytes` MiB (its headers claim 1 KB). */
export function docxBomb(megabytes: number): Promise<Buffer> {
  const open = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
  );
  const block = Buffer.alloc(1024 * 1024, 'a');
  return buildZip([
    { name: '[Content_Types].xml', data: DOCX_CONTENT_TYPES },
    { name: '_rels/.rels', data: DOCX_RELS },
    {
      name: 'word/document.xml',
      declaredSize: 1024,
      data: function* () {
        yield open;
        for (let i = 0; i < megabytes; i += 1) yield block;
      },
    },
  ]);
}
