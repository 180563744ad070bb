import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API to the backend that `make userapp` starts, so the browser sees one origin,
// exactly as behind nginx in production (default.conf.template): /api/... unchanged, and the backend's
// /version and /readyz under /api/.
const backend = process.env.USERAPP_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: Number(process.env.FRONTEND_PORT ?? 5173),
    strictPort: true,
    proxy: {
      "^/api/version$": { target: backend, rewrite: () => "/version" },
      "^/api/readyz$": { target: backend, rewrite: () => "/readyz" },
      "/api/": { target: backend },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    // The machine running CI is shared; a slow run is not a failure (tests never assert wall-clock time).
    testTimeout: 30_000,
  },
});
