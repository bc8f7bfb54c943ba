/**
 * Breakpoints as the server sends them, checked field by field before use: the server is
 * untrusted input. A bad field makes that one breakpoint invalid (skipped, with the reason); a response that is
 * not an object or has no usable `breakpoints` array is rejected whole, and the caller keeps its last good set.
 */

export interface Breakpoint {
  readonly id: string;
  readonly functionName: string | undefined;
  readonly label: string | undefined;
  readonly filePath: string | undefined;
  readonly lineNumber: number | undefined;
  readonly enabled: boolean;
  /** Epoch ms, or undefined for "never". */
  readonly expireAt: number | undefined;
  readonly maxCaptures: number;
  readonly captureCount: number;
  readonly condition: string | undefined;
  /** 'sdk-evaluable' when the SDK may evaluate `condition` itself (with our own small parser, never eval). */
  readonly conditionEval: string | undefined;
  readonly maxDepth: number | undefined;
  readonly maxPayloadBytes: number | undefined;
  readonly stackDepth: number | undefined;
}

export const DEFAULT_MAX_CAPTURES = 100;
const MAX_BREAKPOINTS = 1000;
const MAX_TEXT = 2048;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** One breakpoint object; unknown fields are ignored. */
export function parseBreakpoint(raw: unknown): Parsed<Breakpoint> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'number' && Number.isFinite(r.id) ? String(r.id) : text(r.id);
  if (id === undefined) return { ok: false, reason: 'missing id' };
  const functionName = text(r.function_name);
  const label = text(r.label);
  const filePath = text(r.file_path);
  const lineNumber = count(r.line_number);
  if ((functionName === undefined || label === undefined) && (filePath === undefined || lineNumber === undefined)) {
    return { ok: false, reason: `breakpoint ${id} has neither function_name+label nor file_path+line_number` };
  }
  let expireAt: number | undefined;
  if (r.expire_at !== undefined && r.expire_at !== null) {
    expireAt = typeof r.expire_at === 'string' ? Date.parse(r.expire_at) : Number.NaN;
    if (Number.isNaN(expireAt)) return { ok: false, reason: `breakpoint ${id} has an unreadable expire_at` };
  }
  if (r.enabled !== undefined && typeof r.enabled !== 'boolean') return { ok: false, reason: `breakpoint ${id}: enabled is not a boolean` };
  return {
    ok: true,
    value: {
      id,
      functionName,
      label,
      filePath,
      lineNumber,
      enabled: r.enabled !== false,
      expireAt,
      maxCaptures: count(r.max_captures) ?? DEFAULT_MAX_CAPTURES,
      captureCount: count(r.capture_count) ?? 0,
      condition: typeof r.condition === 'string' && r.condition.trim() !== '' ? r.condition.slice(0, MAX_TEXT) : undefined,
      conditionEval: text(r.condition_eval),
      maxDepth: count(r.max_depth),
      maxPayloadBytes: count(r.max_payload_bytes),
      stackDepth: count(r.stack_depth),
    },
  };
}

/** A list of breakpoints: invalid entries are skipped; duplicate ids keep the last one. */
export function parseBreakpointList(raw: unknown): Parsed<{ breakpoints: Breakpoint[]; skipped: string[] }> {
  if (!Array.isArray(raw)) return { ok: false, reason: 'breakpoints is not an array' };
  if (raw.length > MAX_BREAKPOINTS) return { ok: false, reason: `more than ${MAX_BREAKPOINTS} breakpoints` };
  const byId = new Map<string, Breakpoint>();
  const skipped: string[] = [];
  for (const entry of raw) {
    const parsed = parseBreakpoint(entry);
    if (parsed.ok) byId.set(parsed.value.id, parsed.value);
    else skipped.push(parsed.reason);
  }
  return { ok: true, value: { breakpoints: [...byId.values()], skipped } };
}

/**
 * The active set, indexed the two ways a capture is matched: `function_name:label` first, `file:line` as the
 * fallback. Replaced or updated only with fully parsed data.
 */
export class BreakpointStore {
  private byId = new Map<string, Breakpoint>();
  private byFunctionLabel = new Map<string, Breakpoint>();
  private byFileLine = new Map<string, Breakpoint>();
  /** Labels that have at least one breakpoint keyed by label: the fast path skips every other label. */
  private labels = new Set<string>();

  get size(): number {
    return this.byId.size;
  }

  private lineOnly = false;

  /** Whether any breakpoint can only be matched by file and line (then every call needs its call site). */
  get hasLineOnlyBreakpoints(): boolean {
    return this.lineOnly;
  }

  hasLabel(label: string): boolean {
    return this.labels.has(label);
  }

  replaceAll(breakpoints: readonly Breakpoint[]): void {
    this.byId = new Map(breakpoints.map((bp) => [bp.id, bp]));
    this.reindex();
  }

  upsert(breakpoint: Breakpoint): void {
    this.byId.set(breakpoint.id, breakpoint);
    this.reindex();
  }

  delete(id: string): void {
    if (this.byId.delete(id)) this.reindex();
  }

  get(id: string): Breakpoint | undefined {
    return this.byId.get(id);
  }

  all(): Breakpoint[] {
    return [...this.byId.values()];
  }

  match(functionName: string, label: string, filePath: string, lineNumber: number): Breakpoint | undefined {
    return this.byFunctionLabel.get(`${functionName}\u0000${label}`) ?? this.byFileLine.get(`${filePath}\u0000${lineNumber}`);
  }

  private reindex(): void {
    this.byFunctionLabel = new Map();
    this.byFileLine = new Map();
    this.labels = new Set();
    this.lineOnly = false;
    for (const bp of this.byId.values()) {
      if (bp.functionName === undefined || bp.label === undefined) this.lineOnly = true;
      if (bp.functionName !== undefined && bp.label !== undefined) {
        this.byFunctionLabel.set(`${bp.functionName}\u0000${bp.label}`, bp);
        this.labels.add(bp.label);
      }
      // NUL separators: a ':' inside a function name or label must not make two keys collide.
      if (bp.filePath !== undefined && bp.lineNumber !== undefined) this.byFileLine.set(`${bp.filePath}\u0000${bp.lineNumber}`, bp);
    }
  }
}
