/**
 * The user's call site of `captureSnapshot`: the first stack frame that is not the agent's own, as V8 CallSite
 * objects (no string parsing), mapped through source maps when Node has them (TypeScript via tsx, or
 * --enable-source-maps), so a breakpoint names the line the user wrote.
 */
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface CallSite {
  functionName: string;
  filePath: string;
  lineNumber: number;
  /** The user's part of the stack, in V8's `    at fn (file:line:col)` form. */
  stack: string;
}

interface V8CallSite {
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  getFileName(): string | null;
  getScriptNameOrSourceURL?(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  isConstructor(): boolean;
  isAsync?(): boolean;
  isNative(): boolean;
  isToplevel(): boolean;
  toString(): string;
}

const MAX_FRAMES = 30;

/** Files whose frames are the agent's, never the user's. */
function isAgentFrame(file: string, agentFiles: readonly string[]): boolean {
  for (const agentFile of agentFiles) if (file === agentFile || file.startsWith(agentFile)) return true;
  return false;
}

/**
 * Captures the stack above `skipAbove` (a function of ours) and returns the first frame outside the agent's files.
 * Never throws: an environment that tampers with stacks gives undefined.
 */
export function captureCallSite(skipAbove: (...args: never[]) => unknown, agentFiles: readonly string[], stackDepth = MAX_FRAMES): CallSite | undefined {
  const holder: { stack?: V8CallSite[] } = {};
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = MAX_FRAMES + 10;
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, skipAbove);
    const frames = holder.stack;
    if (!Array.isArray(frames)) return undefined;
    const userFrames: V8CallSite[] = [];
    for (const frame of frames) {
      const file = frame.getFileName?.() ?? '';
      if (userFrames.length === 0 && (file === '' || isAgentFrame(file, agentFiles) || frame.isNative())) continue;
      userFrames.push(frame);
      if (userFrames.length >= Math.min(stackDepth, MAX_FRAMES)) break;
    }
    const top = userFrames[0];
    if (top === undefined) return undefined;
    const mapped = mapPosition(top.getFileName() ?? '', top.getLineNumber() ?? 0, top.getColumnNumber() ?? 0);
    return {
      functionName: functionNameOf(top),
      filePath: mapped.file,
      lineNumber: mapped.line,
      stack: userFrames.map((frame) => `    at ${formatFrame(frame)}`).join('\n'),
    };
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

/**
 * A readable function name for matching: `Class.method`, `method`, `new Class`, or `<anonymous>`. V8's
 * "async fn" and "fn [as alias]" decorations are only in toString(); the CallSite API gives the bare names.
 */
function functionNameOf(frame: V8CallSite): string {
  const name = frame.getFunctionName();
  if (frame.isConstructor()) return `new ${name || frame.getTypeName() || '<anonymous>'}`;
  if (name) {
    // A method called on an instance: `Class.method`, as V8 prints it, so the same name on two classes stays apart.
    const type = frame.isToplevel() ? null : frame.getTypeName();
    return type && type !== 'Object' && type !== 'global' && !name.includes('.') ? `${type}.${name}` : name;
  }
  const method = frame.getMethodName();
  if (method) {
    const type = frame.getTypeName();
    return type && type !== 'Object' ? `${type}.${method}` : method;
  }
  return '<anonymous>';
}

function formatFrame(frame: V8CallSite): string {
  try {
    const file = frame.getFileName() ?? '<unknown>';
    const mapped = mapPosition(file, frame.getLineNumber() ?? 0, frame.getColumnNumber() ?? 0);
    const location = `${mapped.file}:${mapped.line}:${mapped.column}`;
    const name = functionNameOf(frame);
    const prefix = frame.isAsync?.() ? 'async ' : '';
    return name === '<anonymous>' ? `${prefix}${location}` : `${prefix}${name} (${location})`;
  } catch {
    return '<unknown>';
  }
}

/** file:// URLs become paths; positions go through the file's source map when Node has one. */
function mapPosition(file: string, line: number, column: number): { file: string; line: number; column: number } {
  let path = file;
  try {
    const map = file === '' ? undefined : findSourceMap(file);
    if (map !== undefined) {
      const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry && typeof entry.originalLine === 'number' && typeof entry.originalSource === 'string') {
        path = entry.originalSource;
        line = entry.originalLine + 1;
        column = (entry.originalColumn ?? 0) + 1;
      }
    }
  } catch {
    // No usable source map: keep the generated position.
  }
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      // Keep the URL as it is.
    }
  }
  return { file: path, line, column };
}
