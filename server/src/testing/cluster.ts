/**
 * Several server nodes of one deployment for a test file: one PostgreSQL schema, one Redis namespace and one
 * shared DATA_DIR (as deployed nodes share a volume). `close()` stops every node started and drops the schema.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { startServer, type Running } from '../server';
import { dropSchema, freshSchema, PG_URL, tempDataDir, testConfig } from './harness';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  /** Start one more node (NODE_LOG=1 prints its errors). */
  node(): Promise<Running>;
  close(): Promise<void>;
}

export function cluster(): Cluster {
  const schema = freshSchema();
  const dataDir = tempDataDir();
  const redisKeyPrefix = `test-${crypto.randomUUID()}`;
  const nodes: Running[] = [];
  return {
    async node() {
      const n = await startServer(
        testConfig({
          host: '127.0.0.1',
          databaseUrl: PG_URL,
          databaseSchema: schema,
          redisUrl: TEST_REDIS_URL,
          redisKeyPrefix,
          dataDir,
        }),
        { logger: process.env.NODE_LOG ? { level: 'error' } : false },
      );
      nodes.push(n);
      return n;
    },
    async close() {
      for (const n of nodes.reverse()) await n.close();
      await dropSchema(schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
