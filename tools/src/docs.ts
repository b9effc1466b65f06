import fs from "node:fs";
import path from "node:path";
import { repositoryRoot } from "@rampart/gateway";
import prettier from "prettier";
import { ERROR_CODES_SOURCE, renderErrorCodes } from "./docs/error-codes";
import { renderEnvironment } from "./docs/environment";

// `npm run docs`: writes the references generated from the code. `--check` writes nothing and
// exits 1, naming the files, when the committed ones differ (a test runs it).

/**
 * Each generated file, relative to the repository, and its contents, formatted as the
 * repository's Prettier settings format them (so `prettier --check` and the test agree).
 */
export async function generatedDocs(
  root: string = repositoryRoot,
): Promise<Record<string, string>> {
  const rendered = {
    "docs/reference/error-codes.md": renderErrorCodes(path.join(root, ERROR_CODES_SOURCE)),
    "docs/reference/environment.md": renderEnvironment(root),
  };
  const formatted: Record<string, string> = {};
  for (const [file, text] of Object.entries(rendered)) {
    const filepath = path.join(root, file);
    const options = await prettier.resolveConfig(filepath);
    formatted[file] = await prettier.format(text, { ...options, filepath });
  }
  return formatted;
}

async function main(check: boolean): Promise<void> {
  for (const [file, text] of Object.entries(await generatedDocs())) {
    const target = path.join(repositoryRoot, file);
    const committed = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : null;
    if (check) {
      if (committed !== text) {
        process.stdout.write(`${file} is out of date: run npm run docs\n`);
        process.exitCode = 1;
      }
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (require.main === module) {
  main(process.argv.includes("--check")).catch((error: unknown) => {
    process.stderr.write(`docs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
