import path from "node:path";

/**
 * Where `npm run build` puts the admin dashboard (`app/`) and the playground (`graphiql/`):
 * `admin-ui/dist` in the repository (this file lives in gateway/src/web or gateway/dist/web).
 */
export const defaultWebRoot = path.resolve(__dirname, "..", "..", "..", "admin-ui", "dist");
