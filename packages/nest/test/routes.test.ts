/**
 * RED recording on both Nest platforms: route templates with a global prefix, URI
 * versioning, controller paths and RouterModule nesting; 404s, guard rejections, pipe
 * and guard exceptions, thrown handlers, aborted requests and middleware rejections,
 * each recorded exactly once.
 */
import {
  type CanActivate,
  Controller,
  Get,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  Param,
  ParseIntPipe,
  RequestMethod,
  type Type,
  UseGuards,
  Version,
  VersioningType,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlassboxModule } from '../src/index.js';
import {
  abortAfter,
  eventually,
  newGlassbox,
  platforms,
  type Running,
  samples,
  scrape,
  send,
  startNest,
  TOKEN,
} from './helpers.js';

class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

class ThrowingMiddleware implements NestMiddleware {
  use(): void {
    throw new Error('middleware exploded');
  }
}

class PassThroughMiddleware implements NestMiddleware {
  use(_req: unknown, _res: unknown, next: () => void): void {
    next();
  }
}

class ExplodingGuard implements CanActivate {
  canActivate(): boolean {
    throw new Error('guard exploded');
  }
}

@Controller({ path: 'users', version: '1' })
class UsersController {
  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number) {
    return { id };
  }

  @Get(':id/secret')
  @UseGuards(DenyGuard)
  secret() {
    return 'never';
  }

  @Get(':id/explode')
  @UseGuards(ExplodingGuard)
  explode() {
    return 'never';
  }
}

@Controller('orders')
class OrdersController {
  @Version('2')
  @Get(':orderId/items/:itemId')
  item(@Param('itemId') itemId: string) {
    return { itemId };
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('hang')
  async hang(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return 'late';
  }
}

@Controller('daily')
class DailyReportsController {
  @Get(':day')
  get(@Param('day') day: string) {
    return { day };
  }
}

@Controller('health')
class HealthController {
  @Get()
  ok() {
    return 'ok';
  }
}

function appModule(): Type<unknown> {
  const { registry, glassbox } = newGlassbox();
  @Module({ controllers: [DailyReportsController] })
  class ReportsModule {}
  @Module({ imports: [ReportsModule] })
  class AdminModule {}
  @Module({
    imports: [
      GlassboxModule.forRoot({
        glassbox,
        registry,
        metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
      }),
      AdminModule,
      RouterModule.register([
        { path: 'admin', module: AdminModule, children: [{ path: 'reports', module: ReportsModule }] },
      ]),
    ],
    controllers: [UsersController, OrdersController, HealthController],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer.apply(ThrowingMiddleware).forRoutes({ path: 'orders/mw-throw', method: RequestMethod.GET });
      // On Express a method-specific middleware is an Express route; no handler behind it.
      consumer
        .apply(PassThroughMiddleware)
        .forRoutes({ path: 'orders/nothing-here', method: RequestMethod.GET });
    }
  }
  return AppModule;
}

const line = (route: string, status: number, value: number, method = 'GET') =>
  `http_requests_total{method="${method}",route="${route}",status_code="${status}"} ${value}`;

describe.each(platforms)('Nest on $name', (platform) => {
  let running: Running;

  beforeAll(async () => {
    running = await startNest(platform, appModule(), (app) => {
      app.setGlobalPrefix('api', { exclude: ['health'] });
      app.enableVersioning({ type: VersioningType.URI });
      // An application middleware that answers before any route code runs.
      app.use(
        (req: { url?: string }, res: { statusCode: number; end(body: string): void }, next: () => void) => {
          if (req.url === '/api/blocked') {
            res.statusCode = 429;
            res.end('slow down');
          } else next();
        },
      );
    });
  });
  afterAll(() => running.close());

  it('records every request once, labelled with the full route template', async () => {
    const { url } = running;
    const expectStatus = async (path: string, status: number, method = 'GET') =>
      expect((await send(url + path, { method })).status, `${method} ${path}`).toBe(status);

    await expectStatus('/api/v1/users/7', 200);
    await expectStatus('/api/v1/users/8', 200);
    await expectStatus('/api/v1/users/abc', 400); // ParseIntPipe throws
    await expectStatus('/api/v1/users/7/secret', 403); // guard returns false
    await expectStatus('/api/v1/users/7/explode', 500); // guard throws
    await expectStatus('/api/v2/orders/5/items/9', 200); // method-level version
    await expectStatus('/api/orders/boom', 500); // handler throws
    await expectStatus('/api/admin/reports/daily/2026-11-21', 200); // RouterModule nesting
    await expectStatus('/health', 200); // excluded from the global prefix
    await expectStatus('/api/blocked', 429); // answered by app.use middleware
    await expectStatus('/api/orders/mw-throw', 500); // a Nest middleware throws
    await expectStatus('/api/orders/nothing-here', 404); // through a middleware, to Nest's 404
    await expectStatus('/nope/123', 404);
    await expectStatus('/api/v1/users/7', 404, 'POST'); // no POST route
    await expectStatus('/users/7', 404); // the controller path without prefix/version

    const text = await scrape(url);
    expect(samples(text, 'http_requests_total').sort()).toEqual(
      [
        line('/api/v1/users/:id', 200, 2),
        line('/api/v1/users/:id', 400, 1),
        line('/api/v1/users/:id/secret', 403, 1),
        line('/api/v1/users/:id/explode', 500, 1),
        line('/api/v2/orders/:orderId/items/:itemId', 200, 1),
        line('/api/orders/boom', 500, 1),
        line('/api/admin/reports/daily/:day', 200, 1),
        line('/health', 200, 1),
        line('unmatched', 429, 1),
        // A Nest middleware registered for one method is an Express route: its path is the label.
        line(platform.name === 'express' ? '/api/orders/mw-throw' : 'unmatched', 500, 1),
        line('unmatched', 404, 3),
        line('unmatched', 404, 1, 'POST'),
      ].sort(),
    );
    // The thrown handler gives exactly one 500 observation.
    expect(samples(text, 'http_request_duration_seconds_count')).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/orders/boom",status_code="500"} 1',
    );
    // Scrapes are not recorded, and nothing is left in flight.
    expect(text).not.toContain('route="/metrics"');
    expect(samples(text, 'http_requests_in_flight')).toEqual([
      'http_requests_in_flight{method="GET"} 0',
      'http_requests_in_flight{method="POST"} 0',
    ]);
  });

  it('records a request whose client disconnects once, as 499, and leaves in-flight at 0', async () => {
    const { url } = running;
    await abortAfter(`${url}/api/orders/hang`, 100);
    await abortAfter(`${url}/api/orders/hang`, 100);
    await eventually(async () => {
      const text = await scrape(url);
      expect(samples(text, 'http_requests_total').filter((l) => l.includes('/api/orders/hang'))).toEqual([
        line('/api/orders/hang', 499, 2),
      ]);
      expect(samples(text, 'http_requests_in_flight')[0]).toBe('http_requests_in_flight{method="GET"} 0');
    });
    // The handler finishes later: still recorded once each.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const text = await scrape(url);
    expect(samples(text, 'http_requests_total').filter((l) => l.includes('/api/orders/hang'))).toEqual([
      line('/api/orders/hang', 499, 2),
    ]);
  });

  it('gives 1,000 distinct unmatched paths a single route value', async () => {
    const { url } = running;
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          send(`${url}/scan/${i + j}/${Math.random().toString(36).slice(2)}`),
        ),
      );
    }
    const text = await scrape(url);
    const routes = new Set(samples(text, 'http_requests_total').map((l) => /route="([^"]*)"/.exec(l)?.[1]));
    expect(routes.has('unmatched')).toBe(true);
    expect([...routes].some((r) => r?.startsWith('/scan'))).toBe(false);
    expect(samples(text, 'http_requests_total')).toContain(line('unmatched', 404, 1003));
  });
});
