import { defineConfig } from "vitest/config";

// One test run for the whole monorepo: every package with tests is a project.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "test"],
  },
});
