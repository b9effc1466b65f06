import fs from "node:fs";
import { exitWithStartupError } from "@rampart/kit";
import { loadConfig } from "@rampart/gateway";

// `npm run reset`: deletes embedded state (PGlite data and development keys).
try {
  const { dataDir } = loadConfig();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(`removed ${dataDir}\n`);
} catch (error) {
  exitWithStartupError("reset", error);
}
