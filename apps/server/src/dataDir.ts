import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where Keyflow keeps its database and caches: KEYFLOW_DATA_DIR, else ~/.keyflow. */
export const dataDirFromEnv = (env: NodeJS.ProcessEnv = process.env): string => resolve(env.KEYFLOW_DATA_DIR?.trim() || join(homedir(), ".keyflow"));
