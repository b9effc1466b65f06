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
    // The Clerk sign-in chunk (clerk-js with its components, about 3 MB raw, 1 MB gzip) is loaded
    // only when CLERK_PUBLISHABLE_KEY is set; the dashboard's own entry stays far below this.
    chunkSizeWarningLimit: 3_200,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    // Same-origin for the page: Vite forwards the API, its WebSocket and the development sign-in to
    // the running admin gateway, as the gateway's own origin (one of its allowed origins).
    proxy: Object.fromEntries(
      ["/graphql", "/auth"].map((prefix) => [
        prefix,
        {
          target: adminGateway,
          ws: prefix === "/graphql",
          configure: (proxy: {
            on(
              event: string,
              listener: (request: { setHeader(n: string, v: string): void }) => void,
            ): void;
          }) => {
            const asGatewayOrigin = (request: { setHeader(n: string, v: string): void }) =>
              request.setHeader("origin", adminGateway);
            proxy.on("proxyReq", asGatewayOrigin);
            proxy.on("proxyReqWs", asGatewayOrigin);
          },
        },
      ]),
    ),
  },
  // The playground (playground/index.html) is a separate build: leave it out of the dev scan.
  optimizeDeps: { entries: ["index.html"] },
});
