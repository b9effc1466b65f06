import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The GraphiQL playground: built to dist/graphiql, served by both gateways at `/graphiql/`.
export default defineConfig({
  plugins: [react()],
  root: "playground",
  base: "/graphiql/",
  build: {
    outDir: "../dist/graphiql",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      // GraphiQL's React-compiler directives ("use no memo") are hints, harmless when dropped.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  worker: { format: "es" },
});
