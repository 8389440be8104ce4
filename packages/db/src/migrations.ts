import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where the drizzle-kit migrations are: next to src/ when running from source, or copied next
 * to the bundle (apps/server/dist/drizzle) when running the built server.
 */
export function findMigrationsFolder(): string {
  const candidates = [new URL("../drizzle/", import.meta.url), new URL("./drizzle/", import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}meta/_journal.json`)) return dir;
  }
  throw new Error(`Database migrations not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(", ")}); rebuild with \`pnpm build\`.`);
}
