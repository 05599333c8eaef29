import crypto from 'node:crypto';
import { parse, protocol, types, type PGlite, type Results } from '@electric-sql/pglite';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocol']>>['messages'][number];
type Messages = typeof protocol.messages;
type Message<K extends 'RowDescriptionMessage' | 'DataRowMessage' | 'CommandCompleteMessage'> = InstanceType<
  Messages[K]
>;

/**
 * The PGlite client Kysely's PGlite dialect talks to, with named prepared statements for the statements marked
 * PREPARED (db/connect.ts), as the pg pool has on PostgreSQL. PGlite's own `query` parses and plans every
 * statement again, in six protocol exchanges; the access policy's single-row statements (a WADO-RS frame's
 * instance, the session) spend most of their time in the planner — and the planner opens every table and index it
 * considers, which PGlite's file system does in JavaScript. A marked statement is parsed once (its parameter types
 * described), then each run is ONE exchange: bind, describe, execute, sync. PostgreSQL re-plans a prepared
 * statement by itself when a table it reads changes (DDL), and chooses between custom and generic plans as for
 * any client. Everything else goes through PGlite's `query` unchanged. The answer is read as PGlite reads it,
 * without copying its table of ~300 type parsers for every statement (parse.parseResults does).
 */
export function withPreparedStatements(
  pglite: PGlite,
  marker: string,
  /** Called with an error of severity PANIC: the embedded database stopped (pglite-durable.ts stopOnPanic). */
  onPanic: (e: unknown) => void = () => undefined,
): Pick<PGlite, 'query' | 'close'> {
  /** Marked statement text → its name and parameter types, once parsed. */
  const statements = new Map<string, { name: string; types: number[] }>();
  const { serialize } = protocol;
  const concat = (...messages: Uint8Array[]) => Buffer.concat(messages);

  async function prepare(text: string) {
    const name = `p_${crypto.createHash('sha1').update(text).digest('hex')}`;
    const { messages } = await pglite.execProtocol(
      concat(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()),
    );
    const s = { name, types: parse.parseDescribeStatementResults(messages) };
    statements.set(text, s);
    return s;
  }

  async function runPrepared<T>(text: string, params: unknown[]): Promise<Results<T>> {
    const s = statements.get(text) ?? (await prepare(text));
    const values = params.map((v, i) => {
      if (v === null || v === undefined) return null;
      const serializer = pglite.serializers[s.types[i]!];
      return serializer ? serializer(v) : String(v);
    });
    const { messages } = await pglite.execProtocol(
      concat(
        serialize.bind({ statement: s.name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ),
    );
    return resultOf<T>(messages, pglite.parsers);
  }

  const panics = (e: unknown) => {
    if ((e as { severity?: unknown } | null)?.severity === 'PANIC') onPanic(e);
    throw e;
  };
  return {
    query: <T>(text: string, params?: unknown[]) =>
      (text.includes(marker) || TRANSACTION_CONTROL.test(text)
        ? pglite._runExclusiveQuery(() => runPrepared<T>(text, params ?? []))
        : pglite.query<T>(text, params)
      ).catch(panics),
    close: () => pglite.close(),
  };
}

/**
 * The statements that open and end a transaction, as Kysely sends them: prepared like the marked ones (one exchange
 * instead of the six of PGlite's query), since every transaction pays for two of them.
 */
const TRANSACTION_CONTROL = /^(begin|commit|rollback)$/i;

/** The rows (as objects) and affected-row count of ONE statement's messages, parsed as PGlite's parseResults. */
function resultOf<T>(messages: BackendMessage[], parsers: PGlite['parsers']): Results<T> {
  let fields: { name: string; dataTypeID: number }[] = [];
  const rows: Record<string, unknown>[] = [];
  let affectedRows = 0;
  for (const m of messages) {
    if (m.name === 'rowDescription')
      fields = (m as Message<'RowDescriptionMessage'>).fields.map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
      }));
    else if (m.name === 'dataRow') {
      const row: Record<string, unknown> = {};
      (m as Message<'DataRowMessage'>).fields.forEach(
        (v, i) => (row[fields[i]!.name] = types.parseType(v, fields[i]!.dataTypeID, parsers)),
      );
      rows.push(row);
    } else if (m.name === 'commandComplete') {
      const [verb, a, b] = (m as Message<'CommandCompleteMessage'>).text.split(' ');
      const n = verb === 'INSERT' ? b : ['UPDATE', 'DELETE', 'COPY', 'MERGE'].includes(verb!) ? a : '0';
      affectedRows = Number.parseInt(n ?? '0', 10) || 0;
    }
  }
  return { rows: rows as T[], fields, affectedRows };
}
