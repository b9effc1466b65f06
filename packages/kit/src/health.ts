// Health endpoints: how one dependency (database, stores, a subgraph) answers.

/** The state of one dependency, as reported by health endpoints. */
export interface DependencyHealth {
  /** `up` or `down`. */
  status: "up" | "down";
  /** Round trip in ms when up. */
  latencyMs?: number;
  /** Why it is down (never a secret). */
  error?: string;
}

/** Measures a dependency's round trip; a rejection (or a timeout) reports it down. */
export async function checkDependency(
  ping: () => Promise<number>,
  timeoutMs = 2_000,
): Promise<DependencyHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const latencyMs = await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: "up", latencyMs: Math.round(latencyMs * 100) / 100 };
  } catch (error) {
    return { status: "down", error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
