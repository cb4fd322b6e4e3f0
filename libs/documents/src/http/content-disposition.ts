/**
 * `Content-Disposition: attachment` for a user-supplied file name (RFC 6266 with RFC 5987
 * `filename*`): the header never carries the raw string. An ASCII fallback `filename` keeps
 * printable ASCII except quote and backslash; `filename*` carries the exact name, UTF-8
 * percent-encoded.
 */
export function attachmentDisposition(filename: string): string {
  const fallback =
    filename
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\x20-\x7e]|["\\%]/g, '_')
      .trim() || 'download';
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

/** RFC 5987 `value-chars`: attr-char as is, everything else percent-encoded UTF-8. */
export function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
