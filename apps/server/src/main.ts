// Entry of the built server (dist/main.js): `node dist/main.js serve`, or any other keyflow command.
import { main } from "./cli/main";

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
