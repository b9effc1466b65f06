// The one list of Rampart's subgraphs. Everything that needs a subgraph's name, port, URL or
// folder reads it from here: the gateway's configuration (subgraph URL defaults), each
// subgraph's configuration (its default port), the `npm start` launcher, the security
// subgraph's systemHealth, composition (`npm run compose`) and the Dockerfiles
// (`npm run dockerfiles`). Adding a subgraph starts with one line below.

/** One subgraph of the supergraph. */
export interface SubgraphEntry {
  /** Name in the supergraph, the identity assertion's audience and the service's name. */
  readonly name: string;
  /** Port the subgraph listens on by default (its `PORT`). */
  readonly port: number;
}

/** Every subgraph, in federation order. */
export const SUBGRAPHS = [
  { name: "security", port: 4001 },
  { name: "commerce", port: 4002 },
  { name: "notifications", port: 4003 },
  { name: "fulfillment", port: 4004 },
] as const satisfies readonly SubgraphEntry[];

/** One of the names in {@link SUBGRAPHS}. */
export type SubgraphName = (typeof SUBGRAPHS)[number]["name"];

/** The names of {@link SUBGRAPHS}, in federation order. */
export const subgraphNames: readonly SubgraphName[] = Object.freeze(
  SUBGRAPHS.map((subgraph) => subgraph.name),
);

/** The subgraph's default port. */
export const subgraphPortOf = (name: SubgraphName): number =>
  SUBGRAPHS.find((subgraph) => subgraph.name === name)!.port;

/** The subgraph's folder, relative to the repository root. */
export const subgraphFolderOf = (name: SubgraphName): string => `subgraphs/${name}`;

/** The subgraph's URL on one machine (`npm start`, the default of `<NAME>_SUBGRAPH_URL`). */
export const defaultSubgraphUrlOf = (name: SubgraphName): string =>
  `http://127.0.0.1:${subgraphPortOf(name)}/graphql`;

/** The variable that overrides a subgraph's URL, e.g. `COMMERCE_SUBGRAPH_URL`. */
export type SubgraphUrlVariable = `${Uppercase<SubgraphName>}_SUBGRAPH_URL`;

/** The name of the variable that overrides the subgraph's URL. */
export const subgraphUrlVariableOf = (name: SubgraphName): SubgraphUrlVariable =>
  `${name.toUpperCase() as Uppercase<SubgraphName>}_SUBGRAPH_URL`;

/** One value per subgraph, keyed by its URL variable (for zod shapes read from the environment). */
export function perSubgraphUrlVariable<T>(
  make: (name: SubgraphName) => T,
): Record<SubgraphUrlVariable, T> {
  return Object.fromEntries(
    subgraphNames.map((name) => [subgraphUrlVariableOf(name), make(name)]),
  ) as Record<SubgraphUrlVariable, T>;
}
