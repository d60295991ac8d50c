// Liveness while a pipeline runs: onStage at each stage's start and every few seconds within
// it, so the activity heartbeats through a long compile or a slow test.

/** How often onStage is called again during a stage (the brief allows at most 5 s). */
export const HEARTBEAT_INTERVAL_MS = 2_000;

export interface Heartbeat {
  /** Marks the start of a stage and reports it at once. */
  enter(stageKey: string): void;
  /** Rethrows what onStage threw from the timer, at a point where throwing is safe. */
  check(): void;
  stop(): void;
}

/** Calls `onStage` with the current stage at each enter() and every `intervalMs` until stop(). */
export function startHeartbeat(
  onStage: ((stageKey: string) => void) | undefined,
  intervalMs: number = HEARTBEAT_INTERVAL_MS,
): Heartbeat {
  let current: string | undefined;
  let failure: { error: unknown } | undefined;
  const timer =
    onStage === undefined
      ? undefined
      : setInterval(() => {
          if (current === undefined || failure !== undefined) return;
          try {
            onStage(current);
          } catch (error) {
            // A throw from a timer would crash the process; it surfaces at the next check().
            failure = { error };
          }
        }, intervalMs);
  timer?.unref();
  const check = (): void => {
    if (failure !== undefined) throw failure.error;
  };
  return {
    enter(stageKey) {
      check();
      current = stageKey;
      onStage?.(stageKey);
    },
    check,
    stop() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
