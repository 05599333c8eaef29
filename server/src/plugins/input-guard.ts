import fp from 'fastify-plugin';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { DomainError } from '../errors';

/**
 * Two input rules for EVERY route, applied where routes are registered so none can be forgotten:
 *
 * 1. Text must be storable: PostgreSQL cannot store NUL, and a lone UTF-16 surrogate ("\ud800") is not valid
 *    Unicode (the driver would silently replace it, so what was checked or hashed is not what is stored). Any
 *    string — or object key — in the body, query or path parameters holding one is refused with 400 naming the
 *    field, after authentication (the route's guards run first) and before schema validation.
 * 2. Integers fit the columns they go to: a request integer without its own bounds gets those of a PostgreSQL
 *    `integer` (the widest integer column the API writes), so 99999999999 is a 400 naming the field, not a
 *    database error. The OpenAPI document shows the bounds.
 */
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

const UNSTORABLE = /\0|\p{Cs}/u;

/** A parsed JSON object or query string (whose parser gives objects a bare prototype) — not a Buffer or stream. */
const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
};

/** The path (`/body/a/0/b`) of the first string or key holding NUL or a lone surrogate; iterative (any depth). */
export function findUnstorableText(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return at;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}/${i}`]);
    } else if (isPlainObject(v)) {
      const keys = Object.keys(v);
      for (const k of keys) if (UNSTORABLE.test(k)) return `${at}/${JSON.stringify(k).slice(1, -1)}`;
      for (let i = keys.length - 1; i >= 0; i--) stack.push([v[keys[i]!], `${at}/${keys[i]}`]);
    }
  }
  return null;
}

async function rejectUnstorableText(req: FastifyRequest): Promise<void> {
  const field =
    findUnstorableText(req.params, '/params') ??
    findUnstorableText(req.query, '/querystring') ??
    findUnstorableText(req.body, '/body');
  if (field) {
    throw new DomainError(
      'validation',
      `${field}: text must not contain NUL characters or unpaired UTF-16 surrogates`,
      field,
    );
  }
}

const isInteger = (type: unknown) => type === 'integer' || (Array.isArray(type) && type.includes('integer'));

/** A copy of `schema` (symbol keys kept, for TypeBox) whose unbounded integers get the `integer` column's range. */
export function withIntegerBounds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withIntegerBounds);
  if (!isPlainObject(schema)) return schema;
  const out: Record<string | symbol, unknown> = {};
  for (const k of Reflect.ownKeys(schema))
    out[k] = withIntegerBounds((schema as Record<string | symbol, unknown>)[k]);
  if (isInteger(out.type)) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT_MAX;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT_MIN;
  }
  return out;
}

const REQUEST_PARTS = ['body', 'querystring', 'query', 'params', 'headers'] as const;

export default fp(
  async (app) => {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (route.schema) {
        const schema: Record<string, unknown> = { ...route.schema };
        for (const part of REQUEST_PARTS) if (schema[part]) schema[part] = withIntegerBounds(schema[part]);
        route.schema = schema;
      }
      // Appended: the auth plugin puts a route's guards in front of every preValidation hook.
      route.preValidation = [...[route.preValidation ?? []].flat(), rejectUnstorableText];
    });
  },
  { name: 'input-guard' },
);
