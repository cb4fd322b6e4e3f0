import { convert } from 'html-to-text';
import mammoth from 'mammoth';
import { type ArchiveLimits, inspectArchive } from './archive-guard';
import { ExtractionError } from './errors';
import { singlePage } from './text-result';
import { type ExtractionLimits, type ExtractionResult } from './types';

const NOTE_ITEM = /<li id="(footnote|endnote)-(\d+)">([\s\S]*?)<\/li>/g;

/**
 * docx: the archive is checked for decompression bombs first (`archive_bomb`), then mammoth reads
 * the body text; footnote and endnote texts follow it. One page.
 */
export async function extractDocx(
  content: Buffer,
  limits: ArchiveLimits & Pick<ExtractionLimits, 'maxChars'>,
): Promise<ExtractionResult> {
  await inspectArchive(content, limits);
  let body: string;
  let notes: string[];
  try {
    const [raw, html] = await Promise.all([
      mammoth.extractRawText({ buffer: content }),
      mammoth.convertToHtml({ buffer: content }),
    ]);
    body = raw.value;
    notes = notesFrom(html.value);
  } catch (error) {
    throw new ExtractionError('corrupt_file', 'The Word document is damaged and cannot be read.', {
      cause: error,
    });
  }
  const text = [body.trim(), ...notes].filter(Boolean).join('\n\n');
  return singlePage(text, limits);
}

/** Footnote and endnote texts from mammoth's HTML (rendered as a list at the end). */
function notesFrom(html: string): string[] {
  const notes: string[] = [];
  for (const match of html.matchAll(NOTE_ITEM)) {
    const text = convert(match[3], {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
      ],
    })
      .replace(/↑/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (text) {
      notes.push(`[${match[1]} ${match[2]}] ${text}`);
    }
  }
  return notes;
}
