const MAX_FILENAME_BYTES = 200;
const RESERVED_CHARACTERS = /[<>:"/\\|?*]/g;
// C0/C1 controls, DEL, and invisible/bidi formatting characters that can disguise a name.
const CONTROL_CHARACTERS = /[\p{Cc}\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A file name safe to show and to put in a Content-Disposition header: no directories, control
 * or reserved characters, at most 200 UTF-8 bytes, extension kept. Never used as a storage path.
 */
export function sanitizeFilename(name: string): string {
  let base = (name.split(/[/\\]/).pop() ?? '').normalize('NFC');
  base = base
    .replace(CONTROL_CHARACTERS, '')
    .replace(RESERVED_CHARACTERS, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|(?<![.\s])[.\s]+$/g, '');

  const dot = base.lastIndexOf('.');
  let stem = dot > 0 ? base.slice(0, dot) : base;
  let extension = dot > 0 ? base.slice(dot) : '';
  if (byteLength(extension) > 20) {
    stem = base;
    extension = '';
  }
  stem = stem.replace(/(?<![.\s])[.\s]+$/g, '');
  if (stem === '' || WINDOWS_RESERVED.test(stem)) {
    stem = stem === '' ? 'file' : `_${stem}`;
  }
  stem = truncateBytes(stem, MAX_FILENAME_BYTES - byteLength(extension));
  return `${stem}${extension}`;
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(value: string, max: number): string {
  if (byteLength(value) <= max) {
    return value;
  }
  let out = '';
  let bytes = 0;
  for (const char of value) {
    const size = byteLength(char);
    if (bytes + size > max) {
      break;
    }
    out += char;
    bytes += size;
  }
  return out.trimEnd();
}
