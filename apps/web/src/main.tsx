import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import "./styles.css";
import { App } from "./app/App";
import { queryClient } from "./app/queryClient";
import { setApi } from "./app/session";
import { createTrpcApi } from "./lib/trpcApi";

setApi(createTrpcApi());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
