// The initdb process's entry when the server runs from source: register tsx, then load the TypeScript module. The
// built server has its own initdb-process-entry.mjs, bundled from initdb-process.ts (infra/build.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./initdb-process.ts');
