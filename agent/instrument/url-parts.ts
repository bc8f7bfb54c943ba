/**
 * Scheme, host and port of the URLs CLIENT spans describe (a fetch's origin, an LLM client's base URL), parsed once
 * per distinct URL: an app talks to a handful of them, and `new URL` (~0.3 µs here) costs about five times as much
 * as building a span's attribute object. Bounded, so an app that calls many hosts parses the rest each time.
 */
export interface UrlParts {
  /** With its colon, as `URL#protocol` gives it: `http:`. */
  readonly protocol: string;
  /** IPv6 addresses without their brackets. */
  readonly host: string;
  /** '' when the URL names none (the scheme's default). */
  readonly port: string;
}

// null: seen, and not a URL (so a hit is one lookup, not a `has` and a `get`).
const parsed = new Map<string, UrlParts | null>();
const MAX_URLS = 256;

/** The parts of `url`, or undefined when it is not a URL (never an exception: this runs inside instrumentations). */
export function urlParts(url: string): UrlParts | undefined {
  const seen = parsed.get(url);
  if (seen !== undefined) return seen ?? undefined;
  let parts: UrlParts | null;
  try {
    const { protocol, hostname, port } = new URL(url);
    parts = { protocol, host: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname, port };
  } catch {
    parts = null;
  }
  if (parsed.size < MAX_URLS) parsed.set(url, parts);
  return parts ?? undefined;
}
