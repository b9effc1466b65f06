import "reflect-metadata";
import path from "node:path";
import { openDatabase } from "../stores/database";
import { loadSubgraphDefinition, runTool } from "./load-definition";

// Writes a migration for the difference between a subgraph's entities and its committed
// migrations: `node packages/kit/dist/tools/create-migration.js subgraphs/<name>` after a
// build. Then list the new class in the subgraph's src/migrations/index.ts.
runTool(async () => {
  const folder = path.resolve(process.argv[2] ?? ".");
  const definition = await loadSubgraphDefinition(folder);
  const database = await openDatabase({
    // Generated against "public": MikroORM compares entities (unqualified) with that schema.
    schema: "public",
    entities: definition.entities,
    migrations: definition.migrations,
  });
  try {
    const target = path.join(folder, "src", "migrations");
    Object.assign(database.orm.config.get("migrations"), { path: target, emit: "ts" });
    const result = await database.orm.getMigrator().createMigration(target);
    process.stdout.write(result.diff.up.length > 0 ? `wrote ${result.fileName}\n` : "no changes\n");
  } finally {
    await database.close();
  }
});
