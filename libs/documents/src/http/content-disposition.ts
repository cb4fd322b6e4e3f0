/**
 * Headers for serving an uploaded file: never rendered as a page of the api's (and web client's)
 * origin. `sandbox` without `allow-*` gives a document that is opened anyway (a browser ignoring
 * `attachment`, a plugin) an opaque origin with no scripts, forms, popups or navigation of its
 * opener; `default-src 'none'` lets it load nothing; `nosniff` stops a browser from guessing HTML
 * out of another type.
 */
export const DOWNLOAD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "sandbox; default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
};

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
