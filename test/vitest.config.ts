import { defineProject } from "vitest/config";
export default defineProject({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 120000,
    hookTimeout: 120000,
    fileParallelism: false,
  },
});
