import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import { configuredFallbackFonts, type FallbackFont } from '../slip/fonts.js';
import type { Db } from '../db/database.js';
import { fixedClock, shanghaiToday, type Clock } from '../services/clock.js';
import { PolicyStore } from '../services/policies.js';
import type { SettlementHooks } from '../services/settle.js';
import { genReqId, loggerOptions } from './logger.js';
import { authPlugin } from './plugins/auth.js';
import { clientErrors, errorsPlugin, frameworkErrors } from './plugins/errors.js';
import { AppError } from './errors.js';
import { inputGuardPlugin } from './plugins/input-guard.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { buildValidator } from './validation.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { swaggerPlugin } from './plugins/swagger.js';
import { calendarDateFormat } from './schemas/common.js';
import { healthRoutes } from './routes/health.js';
import { hospitalRoutes } from './routes/hospitals.js';
import { identityImportRoutes } from './routes/identity-imports.js';
import { keyRoutes } from './routes/keys.js';
import { policyRoutes } from './routes/policies.js';
import { personRegistryRoutes } from './routes/registry-persons.js';
import { personRoutes } from './routes/persons.js';
import { settlementRoutes } from './routes/settlements.js';
import { slipRoutes } from './routes/slip.js';
import { conflictKeys, settleJobs, type SettleDeps, type SettleJob, type SettleOutcome } from '../services/settle.js';
import { SettlementQueue } from '../services/settle-queue.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The settlement workers' queue (group commit); its `stats` and `depth` are for diagnosis. */
    settlementQueue: SettlementQueue<SettleJob, SettleOutcome>;
  }
}

export interface AppOptions {
  config: Config;
  /** Owned by the caller: the app never closes it. */
  db: Db;
  /** Settlement date source; default: config.SETTLEMENT_DATE if set, else today in Asia/Shanghai. */
  clock?: Clock;
  /** false = no logs (tests); default: pino at config.LOG_LEVEL. */
  logger?: boolean;
  /** Where pino writes its JSON lines (default stdout); tests capture them here. */
  logStream?: { write(line: string): void };
  hooks?: SettlementHooks;
  /** Serve the Swagger UI at /docs (default true). */
  docs?: boolean;
  /** Already loaded (server.ts checks them before the database); default: read from config.SLIP_FALLBACK_FONTS here. */
  fallbackFonts?: readonly FallbackFont[];
}

/** Builds the application. It never listens: server.ts owns the process, tests use inject(). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  // Before anything else: a fallback font that cannot be read stops the start, by name.
  const fallbackFonts = opts.fallbackFonts ?? configuredFallbackFonts(opts.config.SLIP_FALLBACK_FONTS, opts.config.projectRoot);
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(opts.config.LOG_LEVEL, opts.logStream),
    genReqId,
    requestIdHeader: false,
    bodyLimit: 5 * 1024 * 1024,
    // Fastify leaves Node's request timeout off; the headers have Node's 60 s at most and
    // the whole request REQUEST_TIMEOUT_SECONDS, checked every second (Node: every 30 s).
    requestTimeout: opts.config.REQUEST_TIMEOUT_SECONDS * 1000,
    http: { headersTimeout: Math.min(60_000, opts.config.REQUEST_TIMEOUT_SECONDS * 1000), connectionsCheckingInterval: 1000 },
    frameworkErrors,
    clientErrorHandler: clientErrors,
    // Unknown fields are refused, not silently dropped: a typo in a bill must not pass.
    // Query strings and path parameters are text, coerced to their declared types; bodies
    // are not coerced at all (see buildValidator).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false }, plugins: [calendarDateFormat] },
    schemaController: { compilersFactory: { buildValidator: buildValidator() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  await errorsPlugin(app);
  await jsonBodyPlugin(app);
  await inputGuardPlugin(app);
  await swaggerPlugin(app, { ui: opts.docs ?? true });
  await authPlugin(app, { db: opts.db });
  await rateLimitPlugin(app, { max: opts.config.RATE_LIMIT_MAX, windowSeconds: opts.config.RATE_LIMIT_WINDOW_SECONDS });

  const clock = opts.clock ?? (opts.config.SETTLEMENT_DATE ? fixedClock(opts.config.SETTLEMENT_DATE) : shanghaiToday);
  const base: SettleDeps = { db: opts.db, policies: new PolicyStore(opts.db), clock, hooks: opts.hooks ?? {}, log: app.log };
  const queue = new SettlementQueue<SettleJob, SettleOutcome>((jobs) => settleJobs(base, jobs), {
    workers: opts.config.SETTLE_WORKERS,
    maxBatch: opts.config.SETTLE_BATCH_MAX,
    gatherMs: opts.config.SETTLE_GATHER_MS,
    conflicts: conflictKeys,
    maxWaitMs: opts.config.SETTLE_QUEUE_TIMEOUT_MS,
    expired: (job) =>
      new AppError('SERVICE_UNAVAILABLE', `no settlement worker was free for ${opts.config.SETTLE_QUEUE_TIMEOUT_MS} ms; visit ${job.req.visitNo} was not settled and nothing was written, send the request again`, {
        visitNo: job.req.visitNo,
      }),
  });
  // The queue's counters, for diagnosis (bench:settle prints them per level).
  app.decorate('settlementQueue', queue);
  const deps = { ...base, queue };
  await app.register(healthRoutes, { db: opts.db });
  await app.register(settlementRoutes, { ...deps, prefix: '/v1' });
  await app.register(personRoutes, { ...deps, prefix: '/v1' });
  await app.register(slipRoutes, { db: opts.db, fallbackFonts, prefix: '/v1' });
  await app.register(hospitalRoutes, { db: opts.db, prefix: '/v1' });
  await app.register(personRegistryRoutes, { ...deps, prefix: '/v1' });
  await app.register(identityImportRoutes, { ...deps, prefix: '/v1' });
  await app.register(policyRoutes, { ...deps, prefix: '/v1' });
  await app.register(keyRoutes, { db: opts.db, prefix: '/v1' });
  return app;
}
