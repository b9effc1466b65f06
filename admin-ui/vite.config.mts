import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `npm run dev:admin-ui` sends API calls: the running admin gateway. */
const adminGateway = "http://127.0.0.1:4400";

// The admin dashboard: built to dist/app, which the admin gateway serves at `/`.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    // No inline scripts or data: URLs for scripts: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    // Same-origin in development too: the gateway allows http://localhost:5173 as an origin.
    proxy: {
      "/graphql": { target: adminGateway, ws: true, changeOrigin: false },
      "/auth": { target: adminGateway },
    },
  },
});
