// Command-line options of tracekit-local. A pure function: argv in, { options, errors, warnings } out, so the
// CLI decides how to report and tests need no process.

export const USAGE = `Usage: tracekit-local [options]

  --port N          port to listen on (default 9999; a busy port is an error, never a silent move)
  --host ADDR       address to bind (default 127.0.0.1; anything else exposes unauthenticated data)
  --open            open the page in a browser
  --max-traces N    traces kept (default 1000; the oldest go first)
  --retention T     how long a trace is kept: 90s, 30m, 1h (default 1h)
  --max-bytes B     memory cap for stored traces: 256MB, 1GB, or bytes (default 256MB)
  --request-timeout T  cut off a client that has not sent its whole request in T (default 30s)
  --db FILE         keep traces in a SQLite file across restarts (needs a Node with node:sqlite)
  -h, --help        show this help
`;

const DEFAULTS = Object.freeze({ port: 9999, host: '127.0.0.1', open: false, maxTraces: 1000, retentionMs: 3_600_000, maxBytes: 256 * 1024 * 1024, requestTimeoutMs: 30_000, db: '', help: false });
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(String(text).trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's'];
  const value = Number(match[1]) * factor;
  return value > 0 ? value : undefined;
}

export function parseBytes(text) {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(String(text).trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
  const value = Math.floor(Number(match[1]) * factor);
  return value > 0 ? value : undefined;
}

export function parseArgs(argv) {
  const options = { ...DEFAULTS };
  const errors = [];
  const warnings = [];
  const takesValue = { '--port': 'port', '--host': 'host', '--max-traces': 'maxTraces', '--retention': 'retentionMs', '--max-bytes': 'maxBytes', '--db': 'db', '--request-timeout': 'requestTimeoutMs' };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--open') options.open = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg in takesValue) {
      if (value === undefined) {
        value = argv[i + 1];
        i++;
      }
      if (value === undefined || value === '') {
        errors.push(`${arg} needs a value`);
        continue;
      }
      const error = setOption(options, takesValue[arg], value);
      if (error) errors.push(`${arg} ${JSON.stringify(value)}: ${error}`);
    } else errors.push(`unknown option ${JSON.stringify(arg)}`);
  }
  if (!LOOPBACK.has(options.host)) {
    warnings.push(`--host ${options.host} makes the Local UI reachable from other machines; it has no authentication, so anyone who can reach it can read your traces and snapshots`);
  }
  return { options, errors, warnings };
}

function setOption(options, name, value) {
  switch (name) {
    case 'port': {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port < 0 || port > 65535) return 'must be a port number (0-65535)';
      options.port = port;
      return undefined;
    }
    case 'maxTraces': {
      if (!/^\d+$/.test(value) || Number(value) < 1) return 'must be a positive integer';
      options.maxTraces = Number(value);
      return undefined;
    }
    case 'retentionMs':
    case 'requestTimeoutMs': {
      const ms = parseDuration(value);
      if (ms === undefined) return 'must be a duration like 90s, 30m or 1h';
      options[name] = ms;
      return undefined;
    }
    case 'maxBytes': {
      const bytes = parseBytes(value);
      if (bytes === undefined) return 'must be a size like 256MB, 1GB or a number of bytes';
      options.maxBytes = bytes;
      return undefined;
    }
    default:
      options[name] = value;
      return undefined;
  }
}
