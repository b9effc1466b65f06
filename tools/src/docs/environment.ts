import path from "node:path";
import type { z } from "zod";
import { subgraphPortOf } from "@rampart/kit";
import { subgraphConfigShape } from "@rampart/kit/subgraph";
import { gatewayConfigShape, subgraphNames } from "@rampart/gateway";
import { notificationsConfigShape } from "@rampart/notifications";
import { fulfillmentConfigShape } from "@rampart/fulfillment";
import { commerceConfigShape } from "@rampart/commerce";
import { securityConfigShape } from "@rampart/security";
import { cell, code, generatedNote, table } from "./markdown";

/** The files whose zod shapes the environment reference is generated from. */
export const CONFIG_SOURCES = [
  "gateway/src/config.ts",
  "packages/kit/src/config.ts",
  "packages/kit/src/subgraph/config.ts",
  "subgraphs/*/src/config.ts",
];

type Field = z.ZodType;
type Shape = Readonly<Record<string, Field>>;

/** What zod keeps of a schema's definition, as far as defaults and wrappers go. */
interface Definition {
  readonly type: string;
  readonly defaultValue?: unknown;
  readonly innerType?: Field;
  readonly in?: Field;
}

const definitionOf = (field: Field) => (field as unknown as { def: Definition }).def;

/** The schemas a field wraps (optional, default, transform pipes), outermost first. */
function layersOf(field: Field): Field[] {
  const layers: Field[] = [];
  for (let current: Field | undefined = field; current !== undefined;) {
    layers.push(current);
    const definition = definitionOf(current);
    current = definition.innerType ?? definition.in;
  }
  return layers;
}

/** The value a variable takes when unset, as written in the environment; undefined when none. */
export function defaultOf(field: Field): unknown {
  for (const layer of layersOf(field)) {
    const definition = definitionOf(layer);
    if (definition.type === "default" || definition.type === "prefault")
      return definition.defaultValue;
  }
  return undefined;
}

/** The field's `.describe()` text, wherever in its wrappers it was given. */
export const descriptionOf = (field: Field): string =>
  layersOf(field).find((layer) => layer.description !== undefined)?.description ?? "";

/** Every service and the shape it reads its environment with. */
export function serviceShapes(): [string, Shape][] {
  return [
    ["gateway", gatewayConfigShape],
    ...subgraphNames.map((name): [string, Shape] => [
      name,
      {
        ...subgraphConfigShape(subgraphPortOf(name)),
        ...(name === "security" ? securityConfigShape : {}),
        ...(name === "notifications" ? notificationsConfigShape : {}),
        ...(name === "commerce" ? commerceConfigShape : {}),
        ...(name === "fulfillment" ? fulfillmentConfigShape : {}),
      },
    ]),
  ];
}

/** A default for the table: paths inside the repository relative to it, `—` for none. */
function shownDefault(value: unknown, repositoryRoot: string): string {
  if (value === undefined) return "unset";
  const text = String(value);
  if (text === "") return "empty";
  if (path.isAbsolute(text) && text.startsWith(repositoryRoot)) {
    return `${code(path.relative(repositoryRoot, text) || ".")} in the repository`;
  }
  return code(text);
}

/** One text when every service shows the same, else each service's, named. */
function perService(fields: ReadonlyMap<string, Field>, show: (field: Field) => string): string {
  const shown = new Map([...fields].map(([service, field]) => [service, show(field)]));
  const distinct = [...new Set(shown.values())];
  if (distinct.length === 1) return distinct[0];
  return [...shown].map(([service, text]) => `${service}: ${text}`).join("; ");
}

/**
 * `docs/reference/environment.md`: every variable any service reads, its default, which
 * services read it and its description (the `.describe()` text of its zod field).
 */
export function renderEnvironment(repositoryRoot: string): string {
  const readers = new Map<string, Map<string, Field>>();
  for (const [service, shape] of serviceShapes()) {
    for (const [variable, field] of Object.entries(shape)) {
      readers.set(variable, (readers.get(variable) ?? new Map()).set(service, field));
    }
  }
  const rows = [...readers.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variable, fields]) => [
      code(variable),
      perService(fields, (field) => shownDefault(defaultOf(field), repositoryRoot)),
      [...fields.keys()].join(", "),
      cell(perService(fields, descriptionOf)),
    ]);
  return [
    generatedNote(`the zod configuration shapes (${CONFIG_SOURCES.join(", ")})`),
    "",
    "# Environment variables",
    "",
    "Every variable a Rampart service reads, from the configuration code itself: each service parses its environment once, at start, and refuses to start on a bad value, naming the variable and the hint below. An empty value counts as unset. Production (`NODE_ENV=production`) refuses the development conveniences the hints mention. `npm start`'s launcher sets `PORT`, `HOST`, `GATEWAY_PROFILE` and `RAMPART_STORE_SOCKET` for the processes it runs.",
    "",
    table(["variable", "default", "read by", "description"], rows),
    "",
  ].join("\n");
}
