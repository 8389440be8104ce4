import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  server: {
    // The server (apps/server) serves the built app and /trpc on one origin; in dev we proxy to it.
    proxy: { "/trpc": { target: "http://127.0.0.1:5177", changeOrigin: true } },
  },
  build: {
    chunkSizeWarningLimit: 1200,
  },
});
