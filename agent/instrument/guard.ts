/**
 * The one guard every instrumentation runs through. Whatever agent code runs inside the app (a channel
 * subscriber, a method wrapper, a callback handed to a framework, a module patch) is wrapped here, so that an
 * exception in it:
 *   - never reaches the app: the app's own call goes on exactly as if the agent were absent;
 *   - prints one warning naming the instrumentation;
 *   - turns that instrumentation off for good: channels unsubscribed, patches restored where nobody wrapped over
 *     them, and every wrapper left in place passes straight through.
 *
 * On Node 20 a throwing diagnostics-channel subscriber is an uncaught exception in the publisher's stack, and a
 * throwing wrapper is an exception in the app's call: both would crash or change the app. Hence no agent code is
 * ever handed to the app unguarded.
 */
import dc from 'node:diagnostics_channel';
import type { AsyncLocalStorage } from 'node:async_hooks';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

/** Hooks around one method. `enter` may replace entries of `args` (a callback, say); what it returns goes to `exit`. */
export interface AroundHooks<S> {
  enter?(self: unknown, args: IArguments): S | undefined;
  /** Sees the result or the error; a non-undefined return value replaces the result (a wrapped promise, say). */
  exit?(state: S | undefined, result: unknown, error: unknown, self: unknown, args: IArguments): unknown;
}

export type TracingHandlers = Partial<Record<'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error', (message: unknown) => void>>;

const kOriginal = Symbol('tracekit.original');

/** The function a wrapper stands in for (for tests, and for wrappers that must not wrap themselves). */
export function originalOf<F>(fn: F): F {
  const original = (fn as { [kOriginal]?: F } | undefined)?.[kOriginal];
  return original ?? fn;
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [kOriginal]?: unknown })[kOriginal] !== undefined;
}

export class Guard {
  private on = true;
  private readonly undo: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly allowedChannels: readonly string[],
    private readonly report: (name: string, error: unknown) => void,
  ) {}

  get active(): boolean {
    return this.on;
  }

  /** Turns the instrumentation off after a failure: one report, then everything undone. */
  fail(error: unknown): void {
    if (!this.on) return;
    this.on = false;
    try {
      this.report(this.name, error);
    } catch {
      // Reporting must not be the thing that breaks the app.
    }
    this.stop();
  }

  /** Turns the instrumentation off without a failure (shutdown, tests). */
  stop(): void {
    this.on = false;
    for (let i = this.undo.length - 1; i >= 0; i--) {
      try {
        this.undo[i]!();
      } catch {
        // Best effort: a patch that cannot be restored passes through, since `active` is now false.
      }
    }
    this.undo.length = 0;
  }

  /** Registers something to undo when the instrumentation turns off. */
  onStop(fn: () => void): void {
    this.undo.push(fn);
  }

  /** Runs agent code now; a throw turns the instrumentation off and gives `fallback`. */
  run<R>(fn: () => R, fallback?: R): R | undefined {
    if (!this.on) return fallback;
    try {
      return fn();
    } catch (error) {
      this.fail(error);
      return fallback;
    }
  }

  /**
   * A function of ours that someone else will call (an event listener, a framework hook). A throw returns
   * `onFailure(args)` instead: a hook that must call `done` passes one that calls it, so the request never hangs.
   */
  protect<F extends AnyFunction>(fn: F, onFailure?: (args: IArguments) => unknown): F {
    const guard = this;
    const protectedFn = function (this: unknown): unknown {
      if (!guard.on) return onFailure?.(arguments);
      try {
        return fn.apply(this, arguments as unknown as unknown[]);
      } catch (error) {
        guard.fail(error);
        return onFailure?.(arguments);
      }
    };
    Object.defineProperty(protectedFn, 'name', { value: fn.name });
    return protectedFn as unknown as F;
  }

  /**
   * A callback of the app's (Express's `next`) with agent code run just before it. Cheaper than `around`, for
   * callbacks wrapped once per call: no property definitions. A throwing `before` never stops the callback.
   */
  callback<F extends AnyFunction>(fn: F, before: (args: IArguments) => void): F {
    const guard = this;
    return function guardedCallback(this: unknown): unknown {
      if (guard.on) {
        try {
          before(arguments);
        } catch (error) {
          guard.fail(error);
        }
      }
      return fn.apply(this, arguments as unknown as unknown[]);
    } as unknown as F;
  }

  /** A diagnostics-channel subscription, made only for channels the table lists for this instrumentation. */
  subscribe(channelName: string, handler: (message: unknown, name: string | symbol) => void): void {
    this.checkChannel(channelName);
    const guard = this;
    const subscriber = (message: unknown, name: string | symbol): void => {
      if (!guard.on) return;
      try {
        handler(message, name);
      } catch (error) {
        guard.fail(error);
      }
    };
    dc.subscribe(channelName, subscriber);
    this.undo.push(() => dc.unsubscribe(channelName, subscriber));
  }

  /** A subscription to a `tracing:<name>:*` channel set (Node's TracingChannel). */
  subscribeTracing(name: string, handlers: TracingHandlers): void {
    this.checkChannel(`tracing:${name}`);
    const guarded: Record<string, (message: unknown) => void> = {};
    for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const) {
      const handler = handlers[event];
      // TracingChannel.subscribe wants all five; the missing ones do nothing.
      guarded[event] = handler === undefined ? noop : (message: unknown) => {
        if (!this.on) return;
        try {
          handler(message);
        } catch (error) {
          this.fail(error);
        }
      };
    }
    const channel = dc.tracingChannel(name);
    channel.subscribe(guarded as never);
    this.undo.push(() => channel.unsubscribe(guarded as never));
  }

  /**
   * Node's `channel.bindStore`: while a channel's `runStores` runs (a TracingChannel's `start`, or `asyncStart`
   * around a traced callback), `store` holds what `transform(message)` returns. This is how a driver's callback
   * gets back its caller's context. A throwing transform keeps the store's current value.
   */
  bindStore<T>(channelName: string, store: AsyncLocalStorage<T>, transform: (message: unknown) => T): void {
    this.checkChannel(channelName);
    const guard = this;
    const guarded = (message: unknown): T => {
      if (guard.on) {
        try {
          return transform(message);
        } catch (error) {
          guard.fail(error);
        }
      }
      return store.getStore() as T;
    };
    const channel = dc.channel(channelName) as dc.Channel & {
      bindStore?(store: AsyncLocalStorage<T>, transform: (message: unknown) => T): void;
      unbindStore?(store: AsyncLocalStorage<T>): void;
    };
    if (typeof channel.bindStore !== 'function') throw new Error(`${channelName}: this Node has no channel.bindStore`);
    channel.bindStore(store, guarded);
    this.undo.push(() => channel.unbindStore?.(store));
  }

  /**
   * Wraps `target[key]`. The wrapper calls the original exactly once, with the app's arguments (or the ones
   * `enter` replaced), and returns its result or throws its error unchanged; only the hooks are agent code, and a
   * throwing hook turns the instrumentation off while the call goes on. Restored on stop when still ours.
   */
  wrap<S>(target: object, key: string | symbol, hooks: AroundHooks<S>): void {
    const original = (target as Record<string | symbol, unknown>)[key];
    if (typeof original !== 'function' || isWrapped(original)) return;
    this.install(target, key, original, this.around(original as AnyFunction, hooks));
  }

  /**
   * Wraps `target[key]` so that `transform(result, self, firstArgument)` may replace what a successful call
   * returns (undefined keeps it). For a method called on every log record: unlike `wrap`, the wrapper never
   * materialises the arguments or runs hooks on the way in, and a throw from the original passes through
   * untouched. A throwing transform turns the instrumentation off and the original result is returned.
   */
  wrapResult(target: object, key: string | symbol, transform: (result: unknown, self: unknown, first: unknown) => unknown): void {
    const original = (target as Record<string | symbol, unknown>)[key];
    if (typeof original !== 'function' || isWrapped(original)) return;
    const guard = this;
    const wrapper = function (this: unknown, first?: unknown): unknown {
      const result: unknown = (original as AnyFunction).apply(this, arguments as unknown as unknown[]);
      if (!guard.on) return result;
      try {
        const replaced = transform(result, this, first);
        return replaced === undefined ? result : replaced;
      } catch (error) {
        guard.fail(error);
        return result;
      }
    };
    Object.defineProperty(wrapper, 'name', { value: (original as AnyFunction).name });
    if ((original as AnyFunction).length !== 0) Object.defineProperty(wrapper, 'length', { value: (original as AnyFunction).length });
    (wrapper as unknown as Record<symbol, unknown>)[kOriginal] = original;
    this.install(target, key, original, wrapper);
  }

  private install(target: object, key: string | symbol, original: unknown, wrapper: unknown): void {
    const holder = target as Record<string | symbol, unknown>;
    holder[key] = wrapper;
    this.undo.push(() => {
      if (holder[key] === wrapper) holder[key] = original;
    });
  }

  /**
   * Puts `replacement` in place of `target[key]` when it is a plain rebuilding of the original from guarded
   * pieces (Node's `get` rebuilt on the wrapped `request`): it holds no agent logic of its own. Restored on stop.
   */
  replace(target: object, key: string | symbol, replacement: AnyFunction): void {
    const holder = target as Record<string | symbol, unknown>;
    const original = holder[key];
    if (typeof original !== 'function' || isWrapped(original)) return;
    Object.defineProperty(replacement, 'name', { value: (original as AnyFunction).name });
    (replacement as unknown as Record<symbol, unknown>)[kOriginal] = original;
    this.install(holder, key, original, replacement);
  }

  /** The wrapper `wrap` installs, for functions that are not reachable as a property (a returned callback). */
  around<S, F extends AnyFunction>(original: F, hooks: AroundHooks<S>): F {
    const guard = this;
    const { enter, exit } = hooks;
    const wrapper = function (this: unknown): unknown {
      if (!guard.on) return original.apply(this, arguments as unknown as unknown[]);
      let state: S | undefined;
      if (enter !== undefined) {
        // Saved so that a hook that fails halfway never leaves the app with half-replaced arguments.
        const a0 = arguments[0];
        const a1 = arguments[1];
        const a2 = arguments[2];
        const a3 = arguments[3];
        try {
          state = enter(this, arguments);
        } catch (error) {
          guard.fail(error);
          arguments[0] = a0;
          arguments[1] = a1;
          arguments[2] = a2;
          arguments[3] = a3;
          return original.apply(this, arguments as unknown as unknown[]);
        }
      }
      if (exit === undefined) return original.apply(this, arguments as unknown as unknown[]);
      let result: unknown;
      try {
        result = original.apply(this, arguments as unknown as unknown[]);
      } catch (error) {
        guard.callExit(exit, state, undefined, error, this, arguments);
        throw error;
      }
      const replaced = guard.callExit(exit, state, result, undefined, this, arguments);
      return replaced === undefined ? result : replaced;
    };
    // Frames of ours read as the function they stand in for (`Layer.handle_request`), in the agent's file.
    Object.defineProperty(wrapper, 'name', { value: original.name });
    if (original.length !== 0) Object.defineProperty(wrapper, 'length', { value: original.length });
    (wrapper as unknown as Record<symbol, unknown>)[kOriginal] = original;
    return wrapper as unknown as F;
  }

  private callExit<S>(exit: NonNullable<AroundHooks<S>['exit']>, state: S | undefined, result: unknown, error: unknown, self: unknown, args: IArguments): unknown {
    if (!this.on) return undefined;
    try {
      return exit(state, result, error, self, args);
    } catch (failure) {
      this.fail(failure);
      return undefined;
    }
  }

  private checkChannel(name: string): void {
    if (!this.allowedChannels.includes(name)) {
      throw new Error(`the ${this.name} instrumentation subscribes to ${name}, which its table entry does not list`);
    }
  }
}

function noop(): void {}
