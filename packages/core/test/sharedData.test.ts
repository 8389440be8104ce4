import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findRepoRoot, SHARED_DATA_ENV, sharedDataDir, sharedDataFile } from "./sharedData";

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "keyflow-shared-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("shared data location", () => {
  it("finds the repository root by its pnpm-workspace.yaml, from any depth", () => {
    const root = join(tmp, "clone");
    const deep = join(root, "packages", "x", "test");
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(root, "pnpm-workspace.yaml"), "packages: []\n");
    expect(findRepoRoot(deep)).toBe(root);
    expect(findRepoRoot(root)).toBe(root);
    expect(() => findRepoRoot(tmp)).toThrow(/pnpm-workspace.yaml/);
  });

  it("is ../shared/data beside this repository, unless the environment says otherwise", () => {
    expect(sharedDataDir({})).toBe(join(findRepoRoot(here), "..", "shared", "data"));
    expect(sharedDataDir({ [SHARED_DATA_ENV]: tmp })).toBe(tmp);
  });

  it("refuses a missing file with where it looked and how to point elsewhere", () => {
    expect(() => sharedDataFile("no-such-file.csv")).toThrow(new RegExp(`no-such-file\\.csv not found.*${SHARED_DATA_ENV}`));
  });
});
