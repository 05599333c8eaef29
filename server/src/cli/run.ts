import path from 'node:path';
import { ConfigError } from '../config';
import { SnapshotError } from './snapshot';

/** A path the operator typed: relative to where they ran `pnpm …` (pnpm runs scripts in the package folder). */
export const userPath = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

/** Run an operations CLI: operator faults (configuration, archive, target) print one line and exit 2. */
export function runCli(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof SnapshotError || e instanceof ConfigError) {
      console.error(`error: ${e.message}`);
      process.exit(2);
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
