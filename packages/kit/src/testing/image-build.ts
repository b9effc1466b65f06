// Replays the build stage of a service's Dockerfile without Docker: what the image copies from
// the repository, compiled as the image compiles it, so that a source the image does not copy
// fails the build here as it would in `docker build`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** One instruction of a Dockerfile stage (continuation lines joined). */
interface Instruction {
  readonly keyword: string;
  readonly args: string[];
}

interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: Instruction[];
}

function parseDockerfile(file: string): Stage[] {
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
 * packages, linked) and `npx tsc -b`. Throws on a step it does not know, or when the build stage
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
