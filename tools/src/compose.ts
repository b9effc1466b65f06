import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { subgraphFolderOf } from "@rampart/kit";
import { runTool } from "@rampart/kit/tools";
import {
  apiSchemaPath,
  printApiSchema,
  subgraphNames,
  composeSupergraph,
  contractSupergraphPath,
  readCommittedSdls,
  repositoryRoot,
  subgraphSdlPath,
  supergraphPath,
} from "@rampart/gateway";

// `npm run compose`: prints each subgraph's SDL (one process per subgraph, since type-graphql's
// metadata is global), writes subgraphs/<name>/schema.graphql, and composes
// schema/supergraph.graphql from them, the main profile's contract, and each profile's API
// schema (schema/api.<profile>.graphql). All are committed; tests fail when they drift.
runTool(async () => {
  const printer = path.join(repositoryRoot, "packages", "kit", "dist", "tools", "print-sdl.js");
  for (const name of subgraphNames) {
    const sdl = execFileSync(
      process.execPath,
      [printer, path.join(repositoryRoot, subgraphFolderOf(name))],
      {
        encoding: "utf8",
      },
    );
    fs.writeFileSync(subgraphSdlPath(name), sdl);
  }
  fs.mkdirSync(path.dirname(supergraphPath), { recursive: true });
  const supergraph = composeSupergraph(readCommittedSdls());
  const contract = composeSupergraph(readCommittedSdls(), { contract: true });
  fs.writeFileSync(supergraphPath, supergraph);
  fs.writeFileSync(contractSupergraphPath, contract);
  // The client-facing API schemas, for code generators and IDE plugins (no introspection needed).
  fs.writeFileSync(apiSchemaPath("admin"), printApiSchema(supergraph));
  fs.writeFileSync(apiSchemaPath("main"), printApiSchema(contract));
  process.stdout.write(`wrote ${path.relative(repositoryRoot, supergraphPath)}\n`);
});
