import fs from "node:fs";
import path from "node:path";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** Options for {@link createStaticFiles}. */
export interface StaticFilesOptions {
  /** The built folder (Vite's `outDir`). Read once, when the handler is created. */
  root: string;
  /** `Content-Security-Policy` of every answer; default: the one the security headers set. */
  contentSecurityPolicy?: string;
  /** Answer `/` (and `/index.html`) with `index.html`; default true. */
  index?: boolean;
}

/** One file the handler may answer with. */
interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Vite's content-hashed output under `assets/`: cacheable for ever. */
  readonly immutable: boolean;
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".ttf": "font/ttf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Every file under `root` by its URL path (`/assets/index-abc.js`), read into memory. */
function readBuiltFiles(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!fs.existsSync(root)) return files;
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(file);
      // Source maps stay on the server: they would publish the sources.
      if (!entry.isFile() || entry.name.endsWith(".map")) continue;
      const contentType = contentTypes[path.extname(entry.name).toLowerCase()];
      if (!contentType) continue;
      const urlPath = `/${path.relative(root, file).split(path.sep).join("/")}`;
      files.set(urlPath, {
        body: fs.readFileSync(file),
        contentType,
        immutable: urlPath.startsWith("/assets/"),
      });
    }
  };
  walk(root);
  return files;
}

/**
 * Serves a built single-page app. Only the files found under `root` at start-up can be
 * answered, looked up by the exact request path in a map: there is no path to resolve, so
 * `..`, encoded separators or symbolic links added later cannot reach anything else.
 * Mount it after the perimeter's head and guard, so the security headers and the IP allowlist
 * cover every file; it only answers GET and HEAD and passes anything else on.
 */
export function createStaticFiles(options: StaticFilesOptions): RequestHandler & {
  /** How many files it serves (0 when the folder is missing: not built). */
  readonly fileCount: number;
} {
  const files = readBuiltFiles(options.root);
  const index = options.index ?? true;
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    const requested = index && (req.path === "/" || req.path === "") ? "/index.html" : req.path;
    const file = files.get(requested);
    if (!file) return next();
    res.status(200);
    res.setHeader("content-type", file.contentType);
    res.setHeader("content-length", String(file.body.length));
    // The security headers say no-store; hashed assets never change, so they may be kept.
    if (file.immutable) res.setHeader("cache-control", "public, max-age=31536000, immutable");
    if (options.contentSecurityPolicy) {
      res.setHeader("content-security-policy", options.contentSecurityPolicy);
    }
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
  return Object.assign(handler, { fileCount: files.size });
}
