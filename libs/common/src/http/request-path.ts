/**
 * The path of a request target, without its query or fragment: what problem details show as
 * `instance` and what logs may print verbatim. The router (find-my-way) ends the path at the first
 * `?` or `#`, so both are cut here too: a raw `#access_token=…` must not reach a response or log.
 */
export function requestPath(url: string | undefined): string {
  if (!url) return '/';
  for (let i = 0; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code === 0x3f /* ? */ || code === 0x23 /* # */) return url.slice(0, i);
  }
  return url;
}

/** The query and fragment of a request target (after the first `?` or `#`), or ''. */
export function requestQuery(url: string | undefined): string {
  if (!url) return '';
  const path = requestPath(url);
  return url.length > path.length ? url.slice(path.length + 1) : '';
}
