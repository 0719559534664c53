/**
 * A stop flag shared between threads: one Int32 in a SharedArrayBuffer.
 *
 * Training loops are synchronous, so a worker thread busy in one never receives a message (a
 * MessagePort 'abort' waits for the loop to end). Shared memory needs no event loop: the
 * coordinator raises the flag with Atomics.store, and the worker reads it with Atomics.load
 *   - on every `signal.aborted` read of the run's signal (the loops poll it before each step), and
 *   - on every RunContext progress / record call (as the web page's worker does),
 * and aborts the run's AbortController the first time it sees the flag raised. So an interrupt
 * lands within one step however long the run is.
 */

export type StopFlag = Int32Array;

/** A fresh, lowered flag (its buffer crosses to workers by reference, not by copy). */
export function createStopFlag(): StopFlag {
  return new Int32Array(new SharedArrayBuffer(4));
}

export const raiseStop = (flag: StopFlag): void => { Atomics.store(flag, 0, 1); };
export const stopRaised = (flag: StopFlag): boolean => Atomics.load(flag, 0) !== 0;

/**
 * An AbortController whose signal follows `flag`: reading `signal.aborted` first looks at the
 * flag (and aborts when it is raised), so code that polls the signal needs nothing else.
 * `poll()` does the same check, for callbacks (progress, record) to call.
 */
export function flagController(flag: StopFlag | undefined): { controller: AbortController; signal: AbortSignal; poll: () => void } {
  const controller = new AbortController();
  const signal = controller.signal;
  const poll = () => {
    if (flag && !signal.aborted && stopRaised(flag)) controller.abort();
  };
  if (flag) {
    const own = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
    Object.defineProperty(signal, 'aborted', {
      configurable: true,
      get(this: AbortSignal) {
        if (!own.call(this) && stopRaised(flag)) controller.abort();
        return own.call(this) as boolean;
      },
    });
  }
  return { controller, signal, poll };
}
