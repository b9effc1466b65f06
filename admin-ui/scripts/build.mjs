// `npm run build -w admin-ui` (run by the root `npm run build`, so by `npm start` and `npm test`):
// builds the dashboard (dist/app) and the playground (dist/graphiql) with Vite, unless the build
// is newer than every input. `--force` always builds.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stamp = path.join(workspace, "dist", ".built");
const inputs = [
  "src",
  "playground",
  "index.html",
  "vite.config.mts",
  "vite.playground.config.mts",
  "package.json",
  "../package-lock.json",
];

/** Newest modification time under `entry`, in ms. */
function newest(entry) {
  const file = path.join(workspace, entry);
  if (!fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((name) => newest(path.join(entry, name))));
}

const force = process.argv.includes("--force");
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (!force && built > Math.max(...inputs.map(newest))) process.exit(0);

const vite = path.join(workspace, "node_modules", ".bin", "vite");
const viteBin = fs.existsSync(vite)
  ? vite
  : path.join(workspace, "..", "node_modules", ".bin", "vite");
for (const config of ["vite.config.mts", "vite.playground.config.mts"]) {
  execFileSync(viteBin, ["build", "--config", config, "--logLevel", "warn"], {
    cwd: workspace,
    stdio: "inherit",
  });
}
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
