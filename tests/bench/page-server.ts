/**
 * The worklist-scale benchmark's baseline (worklist-scale.bench.ts): a bare Fastify process serving one captured
 * page of GET /api/consultations (the JSON file named by argv[2]) on the same route with the same response schema
 * (ConsultationPage), nothing else: no session, no database, no audit, no hooks.
 */
import fs from 'node:fs';
import { fromServer } from './server-process';

type Fastify = (o: { logger: boolean }) => {
  get(p: string, o: object, h: () => Promise<unknown>): void;
  listen(o: { port: number; host: string }): Promise<string>;
  server: { address(): { port: number } | string | null };
};
const { default: Fastify } = (await import(fromServer.resolve('fastify'))) as { default: Fastify };
const { ConsultationPage } = (await import(fromServer.resolve('@consult/shared'))) as {
  ConsultationPage: object;
};
const page = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as unknown;
const app = Fastify({ logger: false });
app.get('/api/consultations', { schema: { response: { 200: ConsultationPage } } }, async () => page);
await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address();
console.log(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
