/**
 * GlassboxModule's Nest surface: forRoot / forRootAsync, injection tokens and helpers,
 * start-up validation, the overridable instrumentation class, @nestjs/testing apps,
 * an application context without HTTP, and a broken backend that must not change the
 * app's responses.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Backend,
  type BatchTriggers,
  type Counter,
  createGlassbox,
  defineCounter,
  type Glassbox,
  type HttpRecorder,
  type ModelInstrument,
  nativeBackend,
} from '@glassbox/core';
import { createMetricsServer, type MetricsHandler } from '@glassbox/exporter';
import {
  Controller,
  Get,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  batchTriggersProvider,
  GLASSBOX_HTTP_RECORDER,
  GLASSBOX_INSTANCE,
  GLASSBOX_METRICS_HANDLER,
  GLASSBOX_OPTIONS,
  GlassboxHttpInstrumentation,
  GlassboxModule,
  type GlassboxModuleOptions,
  type GlassboxOptionsFactory,
  glassboxProvider,
  InjectGlassbox,
  InjectHttpRecorder,
  modelInstrumentProvider,
  type ResolvedGlassboxOptions,
  resolveGlassboxOptions,
} from '../src/index.js';
import { auth, newGlassbox, platforms, samples, scrape, send, startNest, TOKEN } from './helpers.js';

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return { pong: true };
  }

  @Get('health/live')
  live() {
    return 'ok';
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
}

const CONFIG = Symbol('CONFIG');
@Module({ providers: [{ provide: CONFIG, useValue: { metricsToken: TOKEN } }], exports: [CONFIG] })
class ConfigModule {}

const EVALUATIONS = Symbol('EVALUATIONS');

@Injectable()
class RiskService {
  constructor(
    @InjectGlassbox() readonly glassbox: Glassbox,
    @InjectHttpRecorder() readonly recorder: HttpRecorder | null,
    @Inject(EVALUATIONS) readonly evaluations: Counter,
    @Inject(GLASSBOX_METRICS_HANDLER) readonly handler: MetricsHandler | null,
  ) {}
}

@Module({
  providers: [
    RiskService,
    glassboxProvider(EVALUATIONS, (glassbox) =>
      glassbox.counter(defineCounter({ name: 'risk_evaluations_total', help: 'Risk evaluations.' })),
    ),
  ],
  exports: [RiskService],
})
class RiskModule {}

function withModules(imports: unknown[]): Type<unknown> {
  @Module({ imports: imports as never[], controllers: [PingController] })
  class AppModule {}
  return AppModule;
}

describe.each(platforms)('GlassboxModule on Nest/$name', (platform) => {
  it('forRootAsync({ imports, inject, useFactory }) builds the options from other providers', async () => {
    const { registry, glassbox } = newGlassbox();
    const module = withModules([
      GlassboxModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: (config: { metricsToken: string }): GlassboxModuleOptions => ({
          glassbox,
          registry,
          metrics: { auth: { tokens: config.metricsToken, fromEnv: false }, logger: null },
        }),
      }),
      RiskModule,
    ]);
    const running = await startNest(platform, module);
    try {
      const service = running.app.get(RiskService);
      expect(service.glassbox).toBe(glassbox);
      expect(running.app.get(GLASSBOX_INSTANCE)).toBe(glassbox);
      expect(service.recorder?.unmatchedRoute).toBe('unmatched');
      expect(service.handler?.authEnabled).toBe(true);
      service.evaluations.inc();
      service.evaluations.inc(undefined, 2);
      await send(`${running.url}/ping`);
      expect((await send(`${running.url}/metrics`)).status).toBe(401);
      const text = await scrape(running.url);
      expect(samples(text, 'risk_evaluations_total')).toEqual(['risk_evaluations_total 3']);
      expect(samples(text, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
      ]);
    } finally {
      await running.close();
    }
  });

  it('with no glassbox nor registry: the native backend plus process metrics, served at /metrics', async () => {
    const running = await startNest(
      platform,
      withModules([
        GlassboxModule.forRoot({ metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null } }),
      ]),
    );
    try {
      await send(`${running.url}/ping`);
      const text = await scrape(running.url);
      expect(samples(text, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
      ]);
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    } finally {
      await running.close();
    }
  });

  it('metrics.enabled false: no route on the app; its sources serve a separate metrics server', async () => {
    const { registry, glassbox } = newGlassbox();
    const running = await startNest(
      platform,
      withModules([GlassboxModule.forRoot({ glassbox, registry, metrics: { enabled: false } })]),
    );
    const { sources } = running.app.get<ResolvedGlassboxOptions>(GLASSBOX_OPTIONS);
    const server = createMetricsServer({
      sources,
      port: 0,
      host: '127.0.0.1',
      auth: { tokens: TOKEN, fromEnv: false },
    });
    try {
      expect(running.app.get(GLASSBOX_METRICS_HANDLER)).toBeNull();
      await send(`${running.url}/ping`);
      expect((await send(`${running.url}/metrics`, { headers: auth })).status).toBe(404);
      const { url } = await server.start();
      const r = await send(url, { headers: auth });
      expect(r.status).toBe(200);
      expect(samples(r.body, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
      ]);
    } finally {
      await server.close();
      await running.close();
    }
  });

  it('instrument providers: core instruments built from the injected instance', async () => {
    const { registry, glassbox } = newGlassbox();
    const MODEL = Symbol('MODEL');
    const TRIGGERS = Symbol('TRIGGERS');
    @Injectable()
    class ScoringService {
      constructor(
        @Inject(MODEL) readonly model: ModelInstrument,
        @Inject(TRIGGERS) readonly triggers: BatchTriggers,
      ) {}
    }
    @Module({
      providers: [
        modelInstrumentProvider(MODEL, { name: 'lead_scoring', version: 'v3' }),
        batchTriggersProvider(TRIGGERS, { jobs: ['nightly'] }),
        ScoringService,
      ],
    })
    class ScoringModule {}
    const running = await startNest(
      platform,
      withModules([
        GlassboxModule.forRoot({
          glassbox,
          registry,
          metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
        }),
        ScoringModule,
      ]),
    );
    try {
      const service = running.app.get(ScoringService);
      const predict = service.model.wrap((x: number) => x / 2);
      expect(predict(1)).toBe(0.5);
      service.triggers.trigger('nightly');
      const text = await scrape(running.url);
      expect(samples(text, 'ml_prediction_duration_seconds_count')).toEqual([
        'ml_prediction_duration_seconds_count{model="lead_scoring",model_version="v3"} 1',
      ]);
      expect(samples(text, 'batch_job_triggers_total')).toContain(
        'batch_job_triggers_total{batch_job="nightly"} 1',
      );
    } finally {
      await running.close();
    }
  });

  it('forRootAsync({ useClass }) and an overriding instrumentationClass', async () => {
    const { registry, glassbox } = newGlassbox();
    @Injectable()
    class OptionsFactory implements GlassboxOptionsFactory {
      createGlassboxOptions(): GlassboxModuleOptions {
        return { glassbox, registry, metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null } };
      }
    }
    // Overrides a protected member: nothing under /health is recorded.
    class NoHealthInstrumentation extends GlassboxHttpInstrumentation {
      protected override isExcluded(url: string | undefined): boolean {
        return url?.startsWith('/health') === true || super.isExcluded(url);
      }
    }
    const module = withModules([
      GlassboxModule.forRootAsync({
        useClass: OptionsFactory,
        instrumentationClass: NoHealthInstrumentation,
      }),
    ]);
    const running = await startNest(platform, module);
    try {
      expect(running.app.get(GlassboxHttpInstrumentation)).toBeInstanceOf(NoHealthInstrumentation);
      expect((await send(`${running.url}/health/live`)).status).toBe(200);
      expect((await send(`${running.url}/ping`)).status).toBe(200);
      expect(samples(await scrape(running.url), 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
      ]);
    } finally {
      await running.close();
    }
  });

  it('works in a @nestjs/testing app (hooks installed from configure())', async () => {
    const { registry, glassbox } = newGlassbox();
    const moduleRef = await Test.createTestingModule({
      imports: [
        GlassboxModule.forRoot({
          glassbox,
          registry,
          metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
        }),
      ],
      controllers: [PingController],
    }).compile();
    const app = moduleRef.createNestApplication(platform.adapter(), { logger: false });
    app.setGlobalPrefix('v2');
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    try {
      expect((await send(`${url}/v2/ping`)).status).toBe(200);
      expect((await send(`${url}/v2/boom`)).status).toBe(500);
      expect((await send(`${url}/metrics`)).status).toBe(401);
      expect(samples(await scrape(url), 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/v2/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="/v2/boom",status_code="500"} 1',
      ]);
    } finally {
      await app.close();
    }
  });

  it('http options: excludePaths, extra labels, sizes; http.enabled false records nothing', async () => {
    const { registry, glassbox } = newGlassbox();
    const module = withModules([
      GlassboxModule.forRoot({
        glassbox,
        http: {
          excludePaths: ['/health/live'],
          customLabels: [
            {
              name: 'tenant',
              values: ['acme', 'globex'],
              value: (req: IncomingMessage, _res: ServerResponse) =>
                req.headers['x-tenant'] as string | undefined,
            },
          ],
          recordSizes: true,
          groupStatusCodes: true,
        },
        registry,
        metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
      }),
    ]);
    const running = await startNest(platform, module);
    try {
      await send(`${running.url}/health/live`);
      await send(`${running.url}/ping`, { headers: { 'x-tenant': 'acme' } });
      await send(`${running.url}/ping?x=1`, { headers: { 'x-tenant': 'evil' } });
      const text = await scrape(running.url);
      expect(samples(text, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="2xx",tenant="acme"} 1',
        'http_requests_total{method="GET",route="/ping",status_code="2xx",tenant="other"} 1',
      ]);
      // {"pong":true} is 13 bytes.
      expect(samples(text, 'http_response_size_bytes_sum')).toEqual([
        'http_response_size_bytes_sum{method="GET",route="/ping"} 26',
      ]);
    } finally {
      await running.close();
    }

    const off = newGlassbox();
    const disabled = await startNest(
      platform,
      withModules([
        GlassboxModule.forRoot({
          glassbox: off.glassbox,
          http: { enabled: false },
          registry: off.registry,
          metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
        }),
      ]),
    );
    try {
      expect(disabled.app.get(GLASSBOX_HTTP_RECORDER)).toBeNull();
      await send(`${disabled.url}/ping`);
      const r = await send(`${disabled.url}/metrics`, { headers: auth });
      expect(r.status).toBe(200);
      expect(r.body).not.toContain('http_requests_total');
    } finally {
      await disabled.close();
    }
  });

  it('a backend that throws on every record leaves the responses unchanged', async () => {
    const throwing = (): never => {
      throw new Error('backend down');
    };
    const series = { inc: throwing, set: throwing, observe: throwing };
    const metric = { series: () => series, remove: throwing };
    const broken: Backend = {
      name: 'broken',
      counter: () => metric,
      gauge: () => metric,
      histogram: () => metric,
    };
    const glassbox = createGlassbox({ backend: broken, logger: null });
    const plain = await startNest(platform, withModules([]));
    const instrumented = await startNest(platform, withModules([GlassboxModule.forRoot({ glassbox })]));
    try {
      for (const path of ['/ping', '/boom', '/nope']) {
        const a = await send(plain.url + path);
        const b = await send(instrumented.url + path);
        expect(b.status, path).toBe(a.status);
        expect(b.body, path).toBe(a.body);
        expect(b.headers['content-type'], path).toBe(a.headers['content-type']);
      }
    } finally {
      await plain.close();
      await instrumented.close();
    }
  });
});

/** A POST with a malformed JSON body (the body parser answers 400). */
const badJson = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' };

/** GlassboxModule on a fresh registry, /metrics behind {@link TOKEN}. */
const tokenModule = () => {
  const { registry, glassbox } = newGlassbox();
  return GlassboxModule.forRoot({ glassbox, registry, metrics: { auth: { tokens: TOKEN, fromEnv: false } } });
};

/** How many `'request'` listeners the app's Node server has. */
const requestListeners = (app: { getHttpServer(): { listenerCount(e: string): number } }) =>
  app.getHttpServer().listenerCount('request');

/** An application middleware (`app.use`) that answers 403 to `/blocked`. */
const blocker = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
  if (req.url === '/blocked') {
    res.statusCode = 403;
    res.end();
  } else next();
};

/** A `@nestjs/testing` app with {@link tokenModule} and PingController, listening on port 0. */
async function startTesting<T extends INestApplication>(
  adapter: ExpressAdapter | FastifyAdapter,
  setup: (app: T) => void = () => {},
): Promise<{ app: T; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [tokenModule()],
    controllers: [PingController],
  }).compile();
  const app = moduleRef.createNestApplication<T>(adapter, { logger: false });
  setup(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

describe('platform-express: where records start', () => {
  it('NestFactory.create: the first middleware starts every record, no server listener is added', async () => {
    const bare = await startNest(platforms[0] as (typeof platforms)[number], withModules([]));
    const running = await startNest(
      platforms[0] as (typeof platforms)[number],
      withModules([tokenModule()]),
      (app) => {
        app.use(blocker);
      },
    );
    try {
      expect(requestListeners(running.app)).toBe(requestListeners(bare.app));
      expect((await send(`${running.url}/ping`)).status).toBe(200);
      expect((await send(`${running.url}/blocked`)).status).toBe(403);
      expect((await send(`${running.url}/ping`, badJson)).status).toBe(400);
      expect(samples(await scrape(running.url), 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="403"} 1',
        'http_requests_total{method="POST",route="unmatched",status_code="400"} 1',
      ]);
    } finally {
      await running.close();
      await bare.close();
    }
  });

  it('@nestjs/testing: the body parser comes first, so a server listener records what it answers', async () => {
    const { app, url } = await startTesting(new ExpressAdapter());
    try {
      expect((await send(`${url}/ping`, badJson)).status).toBe(400);
      expect((await send(`${url}/ping`)).status).toBe(200);
      expect(samples(await scrape(url), 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="POST",route="unmatched",status_code="400"} 1',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('Express instance served by a server of your own (serverless style)', () => {
  it('records through the first middleware when the Nest server never sees the request', async () => {
    const app = await NestFactory.create(withModules([tokenModule()]), new ExpressAdapter(), {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    const own = createServer(app.getHttpAdapter().getInstance());
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    try {
      expect((await send(`${url}/ping`)).status).toBe(200);
      expect((await send(`${url}/boom`)).status).toBe(500);
      expect(samples(await scrape(url), 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="/boom",status_code="500"} 1',
      ]);
    } finally {
      own.closeAllConnections();
      await new Promise((resolve) => own.close(resolve));
      await app.close();
    }
  });
});

describe('NestFastifyApplication.inject (no socket)', () => {
  it('records injected requests with their template and status, and serves /metrics', async () => {
    const app = await NestFactory.create<NestFastifyApplication>(
      withModules([tokenModule()]),
      new FastifyAdapter(),
      { logger: false, abortOnError: false },
    );
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      expect((await app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const scraped = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
      expect(scraped.statusCode).toBe(200);
      expect(samples(scraped.body, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('asserting your own metrics in an e2e test (in-memory backend, as the README shows)', () => {
  it('overrides GLASSBOX_OPTIONS of the app module and reads values back by name and labels', async () => {
    const { registry, glassbox: production } = newGlassbox();
    const AppModule = withModules([GlassboxModule.forRoot({ glassbox: production, registry })]);

    const backend = nativeBackend();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(GLASSBOX_OPTIONS)
      .useValue(resolveGlassboxOptions({ glassbox: createGlassbox({ backend, logger: null }) }))
      .compile();
    const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    try {
      await send(`${url}/ping`);
      expect(
        backend.value('http_requests_total', { method: 'GET', route: '/ping', status_code: '200' }),
      ).toBe(1);
      expect(
        backend.distribution('http_request_duration_seconds', {
          method: 'GET',
          route: '/ping',
          status_code: '200',
        })?.count,
      ).toBe(1);
      expect(samples(await registry.metrics(), 'http_requests_total')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('GlassboxModule without an HTTP server', () => {
  it('an application context still gets the instance and the recorder', async () => {
    const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
    const ctx = await NestFactory.createApplicationContext(
      withModules([GlassboxModule.forRoot({ glassbox })]),
      {
        logger: false,
        abortOnError: false,
      },
    );
    try {
      expect(ctx.get(GLASSBOX_INSTANCE)).toBe(glassbox);
      expect(ctx.get(GLASSBOX_HTTP_RECORDER)).not.toBeNull();
      expect(ctx.get(GLASSBOX_METRICS_HANDLER)).toBeNull();
      expect(ctx.get(GlassboxHttpInstrumentation).install()).toBe(false);
    } finally {
      await ctx.close();
    }
  });
});

describe('start-up validation', () => {
  const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
  it.each([
    ['a glassbox that is not one', { glassbox: {} }, /options.glassbox must be a Glassbox instance/],
    [
      'a relative exclude path',
      { glassbox, http: { excludePaths: ['health'] } },
      /excluded path "health" must start with/,
    ],
    ['a relative metrics path', { glassbox, metrics: { path: 'metrics' } }, /metrics.path must be a path/],
    [
      'a bad aborted status',
      { glassbox, http: { abortedStatusCode: 42 } },
      /http.abortedStatusCode must be an integer/,
    ],
    [
      'a custom label without allowed values',
      { glassbox, http: { customLabels: [{ name: 't', values: [], value: () => 'x' }] } },
      /needs a non-empty list of allowed string values/,
    ],
    ['metrics.enabled with nothing to serve', { glassbox, metrics: { enabled: true } }, /nothing to serve/],
  ])('forRoot throws on %s', (_name, options, message) => {
    expect(() => GlassboxModule.forRoot(options as GlassboxModuleOptions)).toThrow(message);
  });

  it('forRootAsync needs exactly one way to build the options', () => {
    expect(() => GlassboxModule.forRootAsync({})).toThrow(
      /exactly one of useFactory, useClass or useExisting/,
    );
    expect(() =>
      GlassboxModule.forRootAsync({ useFactory: () => ({ glassbox }), useExisting: CONFIG }),
    ).toThrow(/exactly one/);
  });

  it('instrumentationClass must extend GlassboxHttpInstrumentation', () => {
    class NotIt {}
    expect(() =>
      GlassboxModule.forRoot({
        glassbox,
        instrumentationClass: NotIt as unknown as typeof GlassboxHttpInstrumentation,
      }),
    ).toThrow(/must extend GlassboxHttpInstrumentation/);
  });

  it('a factory returning bad options fails the bootstrap with the same message', async () => {
    await expect(
      NestFactory.create(
        withModules([
          GlassboxModule.forRootAsync({ useFactory: () => ({ glassbox: {} }) as GlassboxModuleOptions }),
        ]),
        {
          logger: false,
          abortOnError: false,
        },
      ),
    ).rejects.toThrow(/options.glassbox must be a Glassbox instance/);
  });
});

describe('platform-fastify: where records start', () => {
  const fastifyPlatform = platforms[1] as (typeof platforms)[number];
  type Hooked = {
    addHook(
      name: 'onRequest',
      hook: (req: { url: string }, reply: { code(n: number): { send(): void } }, done: () => void) => void,
    ): unknown;
    get(path: string, handler: () => unknown): unknown;
  };
  /** A FastifyAdapter whose instance already has a 429 hook (and, with `route`, a route of its own). */
  const preparedAdapter = (route: boolean) => {
    const adapter = new FastifyAdapter();
    const instance = adapter.getInstance() as unknown as Hooked;
    limiter(instance);
    if (route) instance.get('/legacy', () => 'legacy');
    return adapter;
  };
  /** An onRequest hook of the application that answers 429 to `?limited` requests. */
  const limiter = (instance: Hooked) =>
    instance.addHook('onRequest', (req, reply, done) => {
      if (req.url.endsWith('?limited')) reply.code(429).send();
      else done();
    });
  const origin = { origin: 'http://ui.example', 'access-control-request-method': 'GET' };

  it('NestFactory.create: the first onRequest hook starts every record, no server listener is added', async () => {
    const bare = await startNest(fastifyPlatform, withModules([]));
    const running = await startNest(
      { name: 'fastify', adapter: () => preparedAdapter(false) }, // a hook loaded before the module's
      withModules([tokenModule()]),
      (app) => {
        app.enableCors(); // FastifyAdapter's own hook answers preflights
        app.use(blocker);
      },
    );
    try {
      expect(requestListeners(running.app)).toBe(requestListeners(bare.app));
      expect((await send(`${running.url}/ping`)).status).toBe(200);
      expect((await send(`${running.url}/ping?limited`)).status).toBe(429);
      expect((await send(`${running.url}/blocked`)).status).toBe(403);
      expect((await send(`${running.url}/ping`, { method: 'OPTIONS', headers: origin })).status).toBe(204);
      expect((await send(`${running.url}/nope`)).status).toBe(404);
      expect(samples(await scrape(running.url), 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="/ping",status_code="429"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="403"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
        // The CORS preflight route @fastify/cors registers.
        'http_requests_total{method="OPTIONS",route="*",status_code="204"} 1',
      ]);
    } finally {
      await running.close();
      await bare.close();
    }
  });

  it('a Fastify instance with routes before Nest: a server listener records what its hooks answer', async () => {
    const bare = await startNest(fastifyPlatform, withModules([]));
    const { app, url, close } = await startNest(
      { name: 'fastify', adapter: () => preparedAdapter(true) },
      withModules([tokenModule()]),
    );
    try {
      expect(requestListeners(app)).toBe(requestListeners(bare.app) + 1);
      expect((await send(`${url}/ping?limited`)).status).toBe(429);
      expect((await send(`${url}/ping`)).status).toBe(200);
      expect((await send(`${url}/legacy`)).status).toBe(200);
      expect(samples(await scrape(url), 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/legacy",status_code="200"} 1',
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="429"} 1',
      ]);
    } finally {
      await close();
      await bare.close();
    }
  });

  it('@nestjs/testing with enableCors (its OPTIONS route exists before the module installs): a server listener records the preflight', async () => {
    const { app, url } = await startTesting<NestFastifyApplication>(new FastifyAdapter(), (a) => {
      a.enableCors();
    });
    try {
      expect((await send(`${url}/ping`, { method: 'OPTIONS', headers: origin })).status).toBe(204);
      expect((await send(`${url}/ping`)).status).toBe(200);
      expect(samples(await scrape(url), 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/ping",status_code="200"} 1',
        'http_requests_total{method="OPTIONS",route="unmatched",status_code="204"} 1',
      ]);
    } finally {
      await app.close();
    }
  });
});
