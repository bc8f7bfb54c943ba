/**
 * Why a request to a backend failed, in words a user can act on: a refused key names the variable that holds it
 * (never the key), and a TLS handshake against a plain-http server says how to write the endpoint.
 */
export interface FailureHint {
  /** The variable the API key came from; undefined when no key is sent. */
  readonly keyVariable?: string | undefined;
}

export function describeFailure(result: { status: number | undefined; error: Error | undefined }, hint: FailureHint = {}): string {
  const status = result.status;
  if (status === 401 || status === 403) {
    return hint.keyVariable !== undefined
      ? `HTTP ${status}: the backend refused the API key from ${hint.keyVariable}; check that it is a current key for this project`
      : `HTTP ${status}: the backend wants credentials; set TRACEKIT_API_KEY (TraceKit) or an auth header in OTEL_EXPORTER_OTLP_HEADERS (a collector)`;
  }
  if (status !== undefined) return `HTTP ${status}`;
  const error = result.error;
  if (error === undefined) return 'no answer';
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EPROTO' || /^ERR_SSL_/.test(code ?? '') || /wrong version number|packet length too long|SSL routines/i.test(error.message)) {
    return `the server does not speak TLS (https): if it is a plain-http collector, write the endpoint as http://host:port`;
  }
  return error.message || code || 'network error';
}
