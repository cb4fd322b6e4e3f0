import { CsvError, parse } from 'csv-parse/sync';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import { ExtractionError } from './errors';
import { checkCharLimit, decodeUtf8, singlePage } from './text-result';
import { type ExtractionLimits, type ExtractionResult } from './types';

/** txt and md: the text itself (markdown is readable as it is). */
export function extractPlainText(content: Buffer, limits: ExtractionLimits): ExtractionResult {
  return singlePage(normalizeNewlines(decodeUtf8(content)), limits);
}

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));
const SKIPPED = ['img', 'script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe'].map(
  (selector) => ({ selector, format: 'skip' }),
);

const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    ...SKIPPED,
    ...HEADINGS,
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    { selector: 'hr', format: 'skip' },
  ],
};

/** html: readable text (no link targets, images, scripts or styles). */
export function extractHtml(content: Buffer, limits: ExtractionLimits): ExtractionResult {
  const html = decodeUtf8(content);
  const text = convert(html, {
    ...HTML_OPTIONS,
    // Never truncate silently: the upload size already bounds the input.
    limits: { maxInputLength: Math.max(html.length, 1) },
  });
  return singlePage(normalizeNewlines(text), limits);
}

/**
 * csv: the first row is the header; each following row becomes a block of `header: value` lines
 * (empty values left out), blocks separated by a blank line. A file with only one row gives its
 * values. Quoted fields may contain the delimiter, newlines and doubled quotes.
 */
export function extractCsv(content: Buffer, limits: ExtractionLimits): ExtractionResult {
  const rows = parseCsv(decodeUtf8(content), limits.maxChars).filter((row) =>
    row.some((cell) => cell.trim()),
  );
  if (rows.length <= 1) {
    return singlePage((rows[0] ?? []).map(oneLine).filter(Boolean).join(', '), limits);
  }
  const header = rows[0].map((cell, i) => oneLine(cell) || `column ${i + 1}`);
  const blocks: string[] = [];
  let chars = 0;
  for (const row of rows.slice(1)) {
    const lines: string[] = [];
    row.forEach((cell, i) => {
      const value = oneLine(cell);
      if (value) {
        lines.push(`${header[i] ?? `column ${i + 1}`}: ${value}`);
      }
    });
    if (lines.length > 0) {
      const block = lines.join('\n');
      chars += block.length + 2;
      checkCharLimit(chars, limits);
      blocks.push(block);
    }
  }
  return singlePage(blocks.join('\n\n'), limits);
}

/**
 * RFC 4180 parsing with csv-parse (linear in the input); the delimiter (`,`, `;` or tab) is
 * guessed from the first line, records end at CRLF, LF or CR, rows may have any number of
 * fields, whitespace around a field (and its quotes) is dropped. Quoting that cannot be read
 * (a quote left open, text after a closing quote) is a `corrupt_file`; a record longer than
 * `maxRecordChars` a `limit_exceeded`.
 */
export function parseCsv(text: string, maxRecordChars = Number.MAX_SAFE_INTEGER): string[][] {
  try {
    return parse(text, {
      delimiter: guessDelimiter(text),
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      max_record_size: maxRecordChars,
    });
  } catch (error) {
    if (error instanceof CsvError && error.code === 'CSV_MAX_RECORD_SIZE') {
      throw new ExtractionError(
        'limit_exceeded',
        `A row of the CSV file is longer than ${maxRecordChars.toLocaleString('en')} characters.`,
        { cause: error },
      );
    }
    const reason = error instanceof CsvError ? ` (${error.code})` : '';
    throw new ExtractionError('corrupt_file', `The CSV file cannot be read${reason}.`, {
      cause: error,
    });
  }
}

function guessDelimiter(text: string): string {
  const firstLine = text.slice(0, 10_000).split(/\r?\n/, 1)[0] ?? '';
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t']) {
    const count = unquoted.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * json: one `path: value` line per scalar (`user.name: Ada`, `items[0].id: 1`); arrays of scalars
 * on one line; nesting deeper than `maxJsonDepth` rendered compactly.
 */
export function extractJson(content: Buffer, limits: ExtractionLimits): ExtractionResult {
  const source = decodeUtf8(content);
  checkJsonNesting(source, limits.maxJsonNesting);
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    if (error instanceof ExtractionError) {
      throw error;
    }
    throw new ExtractionError('corrupt_file', 'The file is not valid JSON.', { cause: error });
  }
  const lines: string[] = [];
  let chars = 0;
  const emit = (path: string, text: string): void => {
    const line = path ? `${path}: ${text}` : text;
    chars += line.length + 1;
    checkCharLimit(chars, limits);
    lines.push(line);
  };
  const walk = (node: unknown, path: string, depth: number): void => {
    if (node === null || typeof node !== 'object') {
      const text = scalarText(node);
      if (text !== '') {
        emit(path, text);
      }
      return;
    }
    if (depth >= limits.maxJsonDepth) {
      emit(path, oneLine(JSON.stringify(node)));
      return;
    }
    if (Array.isArray(node)) {
      if (node.length > 0 && node.every((item) => item === null || typeof item !== 'object')) {
        const text = node.map(scalarText).filter(Boolean).join(', ');
        if (text !== '') {
          emit(path, text);
        }
        return;
      }
      node.forEach((item, index) => walk(item, `${path}[${index}]`, depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      walk(item, path ? `${path}.${key}` : key, depth + 1);
    }
  };
  walk(value, '', 0);
  return singlePage(lines.join('\n'), limits);
}

/**
 * Fails with `limit_exceeded` when arrays and objects nest deeper than `maxNesting`, in one pass
 * and before anything is parsed (rendering a deep value recurses: 100,000 levels overflow the
 * stack). Brackets inside strings do not count; the text need not be valid JSON (JSON.parse
 * judges that afterwards).
 */
export function checkJsonNesting(text: string, maxNesting: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) {
        i += 1; // the escaped character
      } else if (code === 0x22) {
        inString = false;
      }
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > maxNesting) {
        throw new ExtractionError(
          'limit_exceeded',
          `The JSON nests arrays and objects more than ${maxNesting} levels deep.`,
        );
      }
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return oneLine(String(value));
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
