import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The cancellation of the operation in progress, carried implicitly through every await: the webhook
 * runs each image's decision inside `withAbortSignal(deadline)`, the CLI each command inside
 * `withAbortSignal(SIGINT/SIGTERM/--timeout)`, and the HTTP transport reads `currentAbortSignal()` for
 * every request and retry wait it starts. So an abort reaches every in-flight request without each
 * layer between the two (resolver, evidence collector, registry client) passing a signal along.
 * Work shared between operations (a coalesced lookup) carries the signal of the one that started it.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the current abort signal, combined with any enclosing one. */
export function withAbortSignal<T>(signal: AbortSignal, fn: () => T): T {
  const outer = scope.getStore();
  return scope.run(outer ? AbortSignal.any([outer, signal]) : signal, fn);
}

/**
 * Runs `fn` with `signal` alone as the current abort signal, ignoring any enclosing one: for work with
 * its own deadline inside a long-lived scope (each webhook review inside `admission serve`), where
 * combining would tie every request's signal to the process's for as long as it runs.
 */
export function withOwnAbortSignal<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/** The abort signal of the operation this code runs for, if any. */
export function currentAbortSignal(): AbortSignal | undefined {
  return scope.getStore();
}
