import { checkDependency, type DependencyHealth } from "@rampart/kit";
import type { SubgraphName } from "./config";

/** Subgraph health URL: its GraphQL endpoint's sibling `/health`. */
export const healthUrlOf = (graphqlUrl: string): string =>
  new URL("/health", graphqlUrl).toString();

/** Checks every subgraph's `/health`; a subgraph that does not answer 200 is down. */
export async function checkSubgraphs(
  urls: Readonly<Record<SubgraphName, string>>,
  timeoutMs = 2_000,
): Promise<Record<string, DependencyHealth>> {
  const entries = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const health = await checkDependency(async () => {
        const started = performance.now();
        const response = await fetch(healthUrlOf(url), { signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`health answered ${response.status}`);
        return performance.now() - started;
      }, timeoutMs);
      return [name, health] as const;
    }),
  );
  return Object.fromEntries(entries);
}
