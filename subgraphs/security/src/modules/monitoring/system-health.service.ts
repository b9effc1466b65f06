import type { EntityManager } from "@mikro-orm/core";
import { checkDependency } from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import { HealthStatus, type ComponentHealth, type SystemHealth } from "./system-health.types";

/** Options for {@link SystemHealthChecker}. */
export interface SystemHealthCheckerOptions {
  /** Each subgraph's GraphQL URL by name, in display order; `/health` next to it is checked. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** The shared stores (Redis, or in memory on embedded defaults). */
  stores: Pick<Stores, "kind" | "ping">;
  /** How long each check may take, in ms. Default 2000. */
  timeoutMs?: number;
}

/** Longest error text reported; messages are reasons, not dumps. */
const MAX_ERROR_LENGTH = 200;

/**
 * Checks every subgraph's `/health`, the stores and the database, all in parallel with kit's
 * `checkDependency`, so the whole check takes at most one timeout.
 */
export class SystemHealthChecker {
  readonly #timeoutMs: number;

  constructor(private readonly options: SystemHealthCheckerOptions) {
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** Every component's state and the overall one; `em` runs the database's `select 1`. */
  async check(em: EntityManager): Promise<SystemHealth> {
    const { subgraphUrls, stores } = this.options;
    const checks: [string, () => Promise<number>][] = [
      ...Object.entries(subgraphUrls).map(
        ([name, url]) => [name, () => this.#pingSubgraph(url)] as [string, () => Promise<number>],
      ),
      [stores.kind === "redis" ? "redis" : "memory-stores", () => stores.ping()],
      ["postgres", () => timed(() => em.getConnection().execute("select 1"))],
    ];
    const components = await Promise.all(
      checks.map(async ([name, ping]): Promise<ComponentHealth> => {
        const health = await checkDependency(ping, this.#timeoutMs);
        return health.status === "up"
          ? { name, status: HealthStatus.UP, latencyMs: health.latencyMs ?? 0, error: null }
          : { name, status: HealthStatus.DOWN, latencyMs: null, error: safeReason(health.error) };
      }),
    );
    const up = components.every((component) => component.status === HealthStatus.UP);
    return { status: up ? HealthStatus.UP : HealthStatus.DOWN, components, checkedAt: new Date() };
  }

  async #pingSubgraph(graphqlUrl: string): Promise<number> {
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(new URL("/health", graphqlUrl), {
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === "TimeoutError") {
        throw new Error(`no answer within ${this.#timeoutMs} ms`);
      }
      // fetch says only "fetch failed"; the cause has the useful code (ECONNREFUSED...).
      const cause = (error as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
      throw new Error(String(cause?.code ?? cause?.message ?? (error as Error).message));
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return performance.now() - started;
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The first line of a reason, without URL credentials, bounded. */
function safeReason(error: string | undefined): string {
  const line = (error ?? "unknown error").split("\n")[0];
  return line.replace(/\/\/[^/\s@]*@/g, "//***@").slice(0, MAX_ERROR_LENGTH);
}
