import { buildZip, DOCX_CONTENT_TYPES, DOCX_RELS } from './zip';

// the same generator the extractors' unit tests use: a one-page PDF whose Flate stream inflates to
// `megabytes` MiB of zeros (about 1 KB per MiB)
export { pdfBomb } from '../../libs/documents/src/ingestion/test-support';

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
