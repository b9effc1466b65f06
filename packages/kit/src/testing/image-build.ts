// Replays a service's Dockerfile without Docker: the build stage (what the image copies from the
// repository, compiled as the image compiles it, so that a source the image does not copy fails
// the build here as it would in `docker build`), the production install of the runtime stage
// (the real `npm ci --omit=dev --workspace ...`, from the npm cache), and a check of the runtime
// stage's instructions (base image, user, health check, what it copies).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** One instruction of a Dockerfile stage (continuation lines joined). */
interface Instruction {
  readonly keyword: string;
  readonly args: string[];
}

/** One stage of a Dockerfile. */
export interface DockerfileStage {
  /** `AS` name, or `stage-<index>` when unnamed. */
  readonly name: string;
  /** The image or stage it starts `FROM`. */
  readonly base: string;
  /** Its instructions, in order. */
  readonly instructions: Instruction[];
}

type Stage = DockerfileStage;

/** The stages of a Dockerfile, in order; comments dropped and continuation lines joined. */
export function parseDockerfile(file: string): Stage[] {
  const lines = fs
    .readFileSync(file, "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === "FROM") {
      stages.push({ base: args[0], name: args[2] ?? `stage-${stages.length}`, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The stage and the stages it is built from, base first. */
function chainOf(stages: Stage[], name: string): Stage[] {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) return [];
  return [...chainOf(stages, stage.base), stage];
}

/** What .dockerignore keeps out of the build context (the parts that matter for a build). */
const ignored = (name: string): boolean =>
  name === "node_modules" || name === "dist" || name.endsWith(".tsbuildinfo");

function copyFromContext(context: string, workdir: string, args: string[]): void {
  const sources = args.slice(0, -1);
  const destination = args.at(-1)!;
  for (const source of sources) {
    const from = path.join(context, source);
    const intoFolder = destination.endsWith("/") || sources.length > 1;
    const to = intoFolder
      ? path.join(workdir, destination, path.basename(source))
      : path.join(workdir, destination);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, {
      recursive: true,
      filter: (file) => !ignored(path.basename(file)),
    });
  }
}

/**
 * `npm ci` without the network: every installed package of the repository is linked in, but the
 * workspace links point into the build folder, so a workspace whose sources were not copied is
 * there with its package.json only, as in the image.
 */
function installDependencies(context: string, workdir: string): void {
  const modules = path.join(workdir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(context, "node_modules"))) {
    if (entry === "@rampart") continue;
    fs.symlinkSync(path.join(context, "node_modules", entry), path.join(modules, entry));
  }
  fs.mkdirSync(path.join(modules, "@rampart"));
  const { workspaces } = JSON.parse(
    fs.readFileSync(path.join(workdir, "package.json"), "utf8"),
  ) as { workspaces: string[] };
  for (const workspace of workspaces) {
    const manifest = path.join(workdir, workspace, "package.json");
    if (!fs.existsSync(manifest))
      throw new Error(`npm ci: ${workspace}/package.json was not copied`);
    const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name: string };
    fs.symlinkSync(path.join("..", "..", workspace), path.join(modules, name));
    const nested = path.join(context, workspace, "node_modules");
    if (fs.existsSync(nested))
      fs.symlinkSync(nested, path.join(workdir, workspace, "node_modules"));
  }
}

/** `npx tsc <args>` in `workdir`; a failure carries the compiler's report. */
function compile(workdir: string, args: string[]): void {
  try {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), ...args], {
      cwd: workdir,
      stdio: "pipe",
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npx tsc ${args.join(" ")} failed:\n${stdout.toString()}${stderr.toString()}`);
  }
}

/** `npm <args>` in `workdir`; a failure carries npm's report. */
function runNpm(workdir: string, args: string[]): void {
  try {
    execFileSync("npm", args, {
      cwd: workdir,
      stdio: "pipe",
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm ${args.join(" ")} failed:\n${stdout.toString()}${stderr.toString()}`);
  }
}

/** What {@link replayBuildStage} found: what the runtime stage takes, and how it starts. */
export interface ReplayedImage {
  /** The folders the runtime stage copies from the build stage, relative to `/app`. */
  readonly runtimeCopies: string[];
  /** The runtime stage's `CMD` (exec form). */
  readonly command: string[];
}

/**
 * Replays the stage `build` of a Dockerfile in `workdir`: its COPY instructions from `context`
 * (the repository root; what .dockerignore lets through), `npm ci` (the repository's installed
 * packages, linked), `npx tsc -b`, `npm run <script> -w <workspace>` (the admin UI's build) and
 * `rm -rf <relative paths>`. Throws on a step it does not know, or when the build stage
 * compiles nothing or fails to compile.
 */
export function replayBuildStage(options: {
  /** The Dockerfile. */
  dockerfile: string;
  /** The build context: the repository root, whose node_modules are linked in. */
  context: string;
  /** An empty folder to build in. */
  workdir: string;
}): ReplayedImage {
  const { dockerfile, context, workdir } = options;
  const stages = parseDockerfile(dockerfile);
  let compiled = 0;
  for (const stage of chainOf(stages, "build")) {
    for (const { keyword, args } of stage.instructions) {
      const command = args.join(" ");
      if (keyword === "COPY") {
        if (args[0].startsWith("--"))
          throw new Error(`unexpected COPY in a build stage: ${command}`);
        copyFromContext(context, workdir, args);
      } else if (keyword === "RUN" && command === "npm ci") {
        installDependencies(context, workdir);
      } else if (keyword === "RUN" && args[0] === "npx" && args[1] === "tsc") {
        compile(workdir, args.slice(2));
        compiled += 1;
      } else if (keyword === "RUN" && args[0] === "npm" && args[1] === "run") {
        runNpm(workdir, args.slice(1));
      } else if (keyword === "RUN" && args[0] === "rm" && args[1] === "-rf") {
        for (const target of args.slice(2)) {
          if (path.isAbsolute(target) || target.split("/").includes("..")) {
            throw new Error(`the replay removes only paths inside /app: RUN ${command}`);
          }
          fs.rmSync(path.join(workdir, target), { recursive: true, force: true });
        }
      } else if (keyword === "RUN") {
        throw new Error(`the replay does not know this step: RUN ${command}`);
      }
    }
  }
  if (compiled === 0) throw new Error(`${dockerfile} has no tsc step in its build stage`);
  const instructions = stages.flatMap((stage) => stage.instructions);
  const cmd = instructions.filter(({ keyword }) => keyword === "CMD").at(-1);
  return {
    // What the runtime stage takes from the build stage.
    runtimeCopies: instructions
      .filter(({ keyword, args }) => keyword === "COPY" && args[0] === "--from=build")
      .map(({ args }) => args[1].replace(/^\/app\//, "")),
    command: cmd ? (JSON.parse(cmd.args.join(" ")) as string[]) : [],
  };
}

/** The runtime stage: the last one, the image that runs. */
const runtimeStageOf = (stages: Stage[]): Stage => stages.at(-1)!;

const instructionsOf = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword);

/** `ENV A=1 B=2` instructions of a stage, merged. */
function environmentOf(stage: Stage): Map<string, string> {
  const variables = new Map<string, string>();
  for (const { args } of instructionsOf(stage, "ENV")) {
    for (const pair of args) {
      const at = pair.indexOf("=");
      if (at > 0) variables.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  return variables;
}

/** The base image every stage must start from: Node 24 LTS, a slim Debian variant. */
const NODE_24_SLIM = /^node:24(\.\d+){0,2}-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/;

/** Path segments that mark test, benchmark, tool or source code, which no runtime image carries. */
const NOT_FOR_RUNTIME = new Set(["test", "tests", "__tests__", "testing", "bench", "tools", "src"]);

const looksLikeDevelopmentCode = (file: string): boolean =>
  file.split("/").some((segment) => NOT_FOR_RUNTIME.has(segment)) ||
  /\.(test|spec)\.[cm]?[jt]s$/.test(file) ||
  /(?<!\.d)\.tsx?$/.test(file);

/** What the runtime stage of a service image must be (see {@link inspectRuntimeStage}). */
export interface RuntimeStageExpectations {
  /** The image serves the built admin UI: `ADMIN_UI_DIR` names where it copies `admin-ui/dist`. */
  readonly adminUi?: boolean;
}

/**
 * Checks a Dockerfile's stages the way a reviewer of a production image would, and returns every
 * problem found (empty when none): every stage starts from `node:24-*-slim`; the runtime stage
 * runs as a non-root user, has a HEALTHCHECK, sets NODE_ENV=production, declares one VOLUME (the
 * only writable folder, `RAMPART_DATA_DIR`, so the root filesystem can be read-only), takes only
 * compiled `dist` folders from the build stage and no test, benchmark, tool or source code from
 * the context, and installs its node_modules with `npm ci --omit=dev --workspace <one>`.
 */
export function inspectRuntimeStage(
  dockerfile: string,
  expectations: RuntimeStageExpectations = {},
): string[] {
  const stages = parseDockerfile(dockerfile);
  const names = new Set(stages.map((stage) => stage.name));
  const problems: string[] = [];
  for (const stage of stages) {
    if (!names.has(stage.base) && !NODE_24_SLIM.test(stage.base)) {
      problems.push(`stage ${stage.name} starts FROM ${stage.base}, not node:24-<debian>-slim`);
    }
  }
  const runtime = runtimeStageOf(stages);
  const user = instructionsOf(runtime, "USER").at(-1)?.args[0];
  if (user === undefined) problems.push("the runtime stage has no USER: it would run as root");
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`the runtime stage runs as ${user}`);
  const healthcheck = instructionsOf(runtime, "HEALTHCHECK").at(-1);
  if (!healthcheck || healthcheck.args[0] === "NONE" || !healthcheck.args.includes("CMD")) {
    problems.push("the runtime stage has no HEALTHCHECK");
  }
  const environment = environmentOf(runtime);
  if (environment.get("NODE_ENV") !== "production") {
    problems.push("the runtime stage does not set NODE_ENV=production");
  }
  const volumes = instructionsOf(runtime, "VOLUME").flatMap(({ args }) => args);
  if (volumes.length !== 1 || volumes[0] !== environment.get("RAMPART_DATA_DIR")) {
    problems.push(
      `the runtime stage must declare one VOLUME, RAMPART_DATA_DIR (found ${volumes.join(", ") || "none"})`,
    );
  }
  let installedFrom: string | undefined;
  for (const { args } of instructionsOf(runtime, "COPY")) {
    const from = args.find((arg) => arg.startsWith("--from="))?.slice("--from=".length);
    const [source, destination] = args.filter((arg) => !arg.startsWith("--"));
    const copied = source.replace(/^\/app\/?/, "");
    if (from === undefined) {
      if (looksLikeDevelopmentCode(copied) || copied === "." || copied === "") {
        problems.push(`the runtime stage copies ${source} from the build context`);
      }
    } else if (copied === "") {
      installedFrom = from;
    } else if (!/(^|\/)dist$/.test(copied) || looksLikeDevelopmentCode(copied)) {
      problems.push(
        `the runtime stage copies ${source} from ${from}, which is not compiled output`,
      );
    }
    if (from !== undefined && copied !== "" && destination === undefined) {
      problems.push(`COPY ${args.join(" ")} has no destination`);
    }
  }
  const installStage = stages.find((stage) => stage.name === installedFrom);
  const install = installStage && workspaceInstallOf(installStage);
  if (!install?.includes("--omit=dev")) {
    problems.push(
      "the runtime stage's node_modules do not come from `npm ci --omit=dev --workspace <one>`",
    );
  }
  if (expectations.adminUi) {
    const adminUiDir = environment.get("ADMIN_UI_DIR");
    const copiesAdminUi = instructionsOf(runtime, "COPY").some(
      ({ args }) =>
        args[0] === "--from=build" &&
        args[1] === "/app/admin-ui/dist" &&
        adminUiDir !== undefined &&
        path.posix.resolve("/app", args[2]) === adminUiDir,
    );
    if (!copiesAdminUi) {
      problems.push(
        "the runtime stage does not carry the built admin UI (admin-ui/dist) where ADMIN_UI_DIR points",
      );
    }
  }
  return problems;
}

/** The `npm ci --workspace <name> ...` arguments of a stage, if it runs one. */
function workspaceInstallOf(stage: Stage): string[] | undefined {
  const run = instructionsOf(stage, "RUN").find(
    ({ args }) =>
      args[0] === "npm" &&
      args[1] === "ci" &&
      args.some((arg) => arg === "--workspace" || arg.startsWith("--workspace=")),
  );
  return run?.args;
}

/** What {@link installRuntimeDependencies} installed. */
export interface RuntimeInstall {
  /** The command run, as the Dockerfile writes it. */
  readonly command: string;
  /** Every installed package, as package-lock.json keys it (`node_modules/a/node_modules/b`). */
  readonly packages: string[];
  /** The workspace links installed (`node_modules/@rampart/...`). */
  readonly workspaceLinks: string[];
}

/** Every package folder under `folder`/node_modules, nested ones included, lockfile-style. */
function installedPackages(root: string, folder = ""): string[] {
  const modules = path.join(root, folder, "node_modules");
  if (!fs.existsSync(modules)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const scoped = entry.name.startsWith("@")
      ? fs.readdirSync(path.join(modules, entry.name)).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of scoped) {
      const key = path.posix.join(folder, "node_modules", name);
      found.push(key);
      if (!fs.lstatSync(path.join(root, key)).isSymbolicLink()) {
        found.push(...installedPackages(root, key));
      }
    }
  }
  return found;
}

/**
 * Replays the stage the runtime stage takes its node_modules from: its COPY instructions (the
 * manifests) from `context` into `workdir`, then its own `npm ci --workspace ...` (`--omit=dev`)
 * for real, with `--ignore-scripts --prefer-offline` so that it installs from the npm cache.
 * Returns what it installed, in `workdir` and its workspace folders.
 */
export function installRuntimeDependencies(options: {
  /** The Dockerfile. */
  dockerfile: string;
  /** The build context: the repository root. */
  context: string;
  /** An empty folder to install in. */
  workdir: string;
}): RuntimeInstall {
  const { dockerfile, context, workdir } = options;
  const stages = parseDockerfile(dockerfile);
  const runtime = runtimeStageOf(stages);
  const from = instructionsOf(runtime, "COPY")
    .find(({ args }) => args[0].startsWith("--from=") && /^\/app\/?$/.test(args[1]))
    ?.args[0].slice("--from=".length);
  const stage = from && stages.find((candidate) => candidate.name === from);
  const install = stage ? workspaceInstallOf(stage) : undefined;
  if (!stage || !install) {
    throw new Error(
      `${dockerfile}: the runtime stage's node_modules come from no npm ci --workspace`,
    );
  }
  for (const link of chainOf(stages, stage.name)) {
    for (const { keyword, args } of link.instructions) {
      if (keyword === "COPY") copyFromContext(context, workdir, args);
    }
  }
  runNpm(workdir, [
    ...install.slice(1),
    "--ignore-scripts",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
  ]);
  const { workspaces } = JSON.parse(
    fs.readFileSync(path.join(workdir, "package.json"), "utf8"),
  ) as { workspaces: string[] };
  const packages = [
    ...installedPackages(workdir),
    ...workspaces.flatMap((workspace) => installedPackages(workdir, workspace)),
  ];
  return {
    command: install.join(" "),
    packages,
    workspaceLinks: packages.filter((key) => key.startsWith("node_modules/@rampart/")),
  };
}

/** Packages no runtime image may carry whatever the lockfile says: test, build and bench tools. */
export const DEVELOPMENT_ONLY_PACKAGES: readonly RegExp[] = [
  /^autocannon$/,
  /^tinybench$/,
  /^jest$/,
  /^typescript$/,
  /^@swc\//,
  /^@graphql-hive\//,
  /^vite$/,
  /^playwright-core$/,
];

/**
 * The installed packages (package-lock.json keys) that only development needs: those the
 * lockfile marks `dev` (reachable from devDependencies alone) and {@link DEVELOPMENT_ONLY_PACKAGES}.
 */
export function developmentPackagesIn(packages: readonly string[], lockfile: string): string[] {
  const { packages: locked } = JSON.parse(fs.readFileSync(lockfile, "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return packages.filter((key) => {
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    return locked[key]?.dev === true || DEVELOPMENT_ONLY_PACKAGES.some((rule) => rule.test(name));
  });
}

/** Files under the runtime stage's copied folders that are test, benchmark or source code. */
export function developmentFilesIn(workdir: string, folders: readonly string[]): string[] {
  const walk = (relative: string): string[] => {
    const absolute = path.join(workdir, relative);
    if (!fs.statSync(absolute).isDirectory()) return [relative];
    return fs.readdirSync(absolute).flatMap((name) => walk(path.posix.join(relative, name)));
  };
  return folders.flatMap((folder) =>
    walk(folder).filter((file) => looksLikeDevelopmentCode(file.slice(folder.length))),
  );
}
