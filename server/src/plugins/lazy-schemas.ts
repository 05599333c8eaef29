/**
 * Route schemas compiled on first use instead of at start. Fastify compiles every route's request validators (ajv)
 * and response serializers (fast-json-stringify) while the app starts: with ~300 routes that was about a quarter of
 * a warm start's CPU (`pnpm bench startup`), for routes most processes never serve. The same compilers, the same
 * options and the same results; each route pays its compilation (a few ms) on its first request instead.
 *
 * Fastify counts a compilers factory as "custom", which only changes one thing: a `headers` schema is passed to the
 * compiler as written, not with its property names lower-cased. No route declares one; one that does must write
 * its header names in lower case.
 */
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type CompileValidator = (route: object) => Validate;
type Serialize = (data: unknown) => string;
type CompileSerializer = (route: object) => Serialize;

/** A validator that compiles itself on its first call (Fastify reads `.errors` after a failed call). */
function lazyValidator(compile: () => Validate): Validate {
  let fn: Validate | null = null;
  const validate: Validate = (data) => (fn ??= compile())(data);
  Object.defineProperty(validate, 'errors', { get: () => fn?.errors, enumerable: true });
  return validate;
}

function lazySerializer(compile: () => Serialize): Serialize {
  let fn: Serialize | null = null;
  return (data) => (fn ??= compile())(data);
}

/** Fastify's `schemaController.compilersFactory` with both compilers deferred to first use. */
export function lazySchemaCompilers(): CompilersFactory {
  const buildValidator = ValidatorSelector() as unknown as (...a: unknown[]) => CompileValidator;
  const buildSerializer = SerializerSelector() as unknown as (...a: unknown[]) => CompileSerializer;
  const factory = {
    buildValidator: (...args: unknown[]) => {
      const compile = buildValidator(...args);
      return (route: object) => lazyValidator(() => compile(route));
    },
    buildSerializer: (...args: unknown[]) => {
      const compile = buildSerializer(...args);
      return (route: object) => lazySerializer(() => compile(route));
    },
  };
  // Fastify types a validator as ajv's ValidateFunction (schema, schemaEnv...); it only calls it and reads .errors.
  return factory as unknown as CompilersFactory;
}
