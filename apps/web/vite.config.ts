import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  server: {
    // The server (apps/server) serves the built app and /trpc on one origin; in dev we proxy to it.
    // The server answers only its own Host and Origin (SECURITY.md), so the proxy presents the dev
    // page's own requests as the server's; any other Origin passes through and is refused there.
    proxy: {
      "/trpc": {
        target: "http://127.0.0.1:5177",
        changeOrigin: true,
        configure: (proxy) =>
          proxy.on("proxyReq", (req, incoming) => {
            const origin = incoming.headers.origin;
            if (origin && origin === `http://${incoming.headers.host}`) req.setHeader("origin", "http://127.0.0.1:5177");
          }),
      },
    },
  },
  build: {
    chunkSizeWarningLimit: 1200,
  },
});
