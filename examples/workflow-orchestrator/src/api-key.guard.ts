import { timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONFIG, type Config } from './config.js';

const IS_PUBLIC = 'isPublic';
/** Marks a route that needs no API key (health checks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The global guard: every route needs `x-api-key`. Glassbox's /metrics is registered on
 * the platform ahead of Nest's router, so this guard never sees it: the bearer token
 * alone protects /metrics.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly key: Buffer;
  constructor(
    private readonly reflector: Reflector,
    @Inject(CONFIG) config: Config,
  ) {
    this.key = Buffer.from(config.apiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      'x-api-key'
    ];
    const given = Buffer.from(typeof header === 'string' ? header : '');
    if (given.length !== this.key.length || !timingSafeEqual(given, this.key))
      throw new UnauthorizedException('a valid x-api-key header is required');
    return true;
  }
}
