// Worker entry: register tsx in this thread (Node 20 workers do not take --import from execArgv everywhere), then
// load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./fs-worker.ts');
