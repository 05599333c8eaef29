import module from 'node:module';
import v8 from 'node:v8';
import vm from 'node:vm';

// V8's code cache of every module loaded from here on (Node >= 22.1; NODE_COMPILE_CACHE or the OS temp directory,
// node-local): a start after the first compiles none of the server or its npm packages again (`pnpm bench startup`).
// Hence the server itself is imported dynamically below, after the cache is on.
module.enableCompileCache?.();

async function main(): Promise<void> {
  const [{ ConfigError, loadConfig }, { startServer }, { demoLoginsText }, { demoCasesText }] =
    await Promise.all([
      import('./config'),
      import('./server'),
      import('./seed/demo'),
      import('./seed/demo-cases'),
    ]);
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  // `pnpm start`, the systemd unit and the image give the server a C allocator setting (GLIBC_TUNABLES; README,
  // Operations: a sign-in's argon2 block is given back when freed). It is the server's own: the processes it starts
  // (mediasoup workers, ffmpeg, the embedded database's initdb) run with glibc's defaults.
  delete process.env.GLIBC_TUNABLES;
  const running = await startServer(config);
  const log = running.app.log;
  log.info(
    `database: ${running.dbh.dialect}${config.databaseUrl ? '' : ` (embedded, ${config.dataDir}/pglite)`}`,
  );
  if (running.seeded) console.log(`\n${demoLoginsText()}\n`);
  if (running.demoCases) console.log(`${demoCasesText(running.demoCases)}\n`);
  console.log(
    `Remote consultation platform listening on ${running.url}  (API docs: ${running.url}/api/docs)`,
  );

  collectStartupGarbage();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down (finishing in-flight requests)`);
    const timer = setTimeout(() => {
      log.error('shutdown took over 20 s; exiting');
      process.exit(1);
    }, 20_000);
    await running.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Start-up (migrations, seeding, compiling every route's schemas, the demo caseload) leaves tens of MB of garbage
 * that V8 does not collect while a server idles (no allocation, no GC). One full collection once listening makes
 * the idle footprint what the server actually holds (measured by `pnpm bench startup`).
 */
function collectStartupGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as (o: object) => void)({
    type: 'major',
    execution: 'sync',
    flavor: 'last-resort',
  });
}

main().catch((err) => {
  console.error('failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
