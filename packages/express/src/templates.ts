/**
 * Mount-path templates: the registered spelling of the routers and sub-apps a request
 * went through, so a route label never carries the request's own letter case (Express
 * matches paths case-insensitively: `/API/V1/x` reaches `app.use('/api/v1', router)`,
 * and `req.baseUrl` is then `/API/V1`).
 *
 * Express keeps a route's template (`route.path`) but not a router's mount path. It is
 * read from the router layers that lead to the matched route, found once per (app,
 * route) by walking the app's router stack:
 *
 * - router 2.3+ (Express 5): the layer's `rawPath`, the path as registered;
 * - Express 4: the layer's `regexp` (path-to-regexp 0.1) turned back into the path,
 *   for literal segments and `:name` parameters;
 * - sub-apps: their `mountpath`, up the `parent` chain.
 *
 * When a route is reached through several mount paths, the one whose segments match the
 * request's base URL (case-insensitively) is used. When a layer's path cannot be read
 * (a RegExp or wildcard mount path, router < 2.3) the caller falls back to the base URL
 * with its literal segments in lower case, so the label stays bounded.
 */

/** The parts of a router layer read here (Express 4 and router 2). */
interface LayerLike {
  readonly route?: unknown;
  readonly handle?: unknown;
  readonly regexp?: unknown;
  readonly keys?: unknown;
  readonly rawPath?: unknown;
}

/** The parts of an Express app read here. */
interface AppLike {
  readonly mountpath?: unknown;
  readonly parent?: unknown;
  readonly _router?: { readonly stack?: unknown };
  readonly router?: { readonly stack?: unknown };
  readonly lazyrouter?: unknown;
}

/** How deep routers are searched, and how many layers at most (bounds a pathological app). */
const MAX_DEPTH = 16;
const MAX_LAYERS = 10_000;
/** The end of every Express 4 (path-to-regexp 0.1) non-ending layer regexp. */
const EXPRESS4_END = '\\/?(?=\\/|$)';
/** An Express 4 `:name` (or `:name?`) parameter segment in a layer regexp. */
const EXPRESS4_PARAM = /\(\?:\\\/\(\[\^\/\]\+\?\)\)(\?)?/g;

function normalize(path: string): string {
  if (path === '/' || path === '') return '';
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Express 4: a layer regexp (one alternative per array entry) back to its paths. */
function fromExpress4Regexp(regexp: RegExp, keys: unknown): string[] | undefined {
  if (!Array.isArray(keys)) return undefined;
  let k = 0;
  const paths: string[] = [];
  for (const alternative of regexp.source.split(/\|(?=\^)/)) {
    if (!alternative.startsWith('^') || !alternative.endsWith(EXPRESS4_END)) return undefined;
    let unreadable = false;
    const body = alternative
      .slice(1, -EXPRESS4_END.length)
      .replace(EXPRESS4_PARAM, (_match, optional: string | undefined) => {
        const name = (keys[k++] as { name?: unknown } | undefined)?.name;
        if (typeof name !== 'string') unreadable = true;
        return `/:${String(name)}${optional ?? ''}`;
      });
    const literal = body.replace(/\\([/.-])/g, '$1');
    if (unreadable || /[\\^$*+?()[\]{}|]/.test(literal.replace(/\/:[\w$]+\??/g, ''))) return undefined;
    paths.push(normalize(literal));
  }
  return paths;
}

/** The registered path(s) of a router layer, or undefined when they cannot be read. */
export function layerPaths(layer: LayerLike): string[] | undefined {
  const raw = layer.rawPath;
  if (typeof raw === 'string') return [normalize(raw)];
  if (Array.isArray(raw)) return raw.every((p) => typeof p === 'string') ? raw.map(normalize) : undefined;
  if (layer.regexp instanceof RegExp) return fromExpress4Regexp(layer.regexp, layer.keys);
  return undefined;
}

function stackOf(router: unknown): readonly LayerLike[] | undefined {
  const stack = (router as { stack?: unknown } | null | undefined)?.stack;
  return Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

/**
 * The mount templates (within one app) of every way `route` is reached; `undefined`
 * entries stand for a way through a layer whose path cannot be read.
 */
function routerChains(stack: readonly LayerLike[], route: object): (string | undefined)[] {
  const chains: (string | undefined)[] = [];
  let visited = 0;
  const seen = new Set<unknown>();
  const walk = (layers: readonly LayerLike[], prefix: string | undefined, depth: number): void => {
    if (depth > MAX_DEPTH || seen.has(layers)) return;
    seen.add(layers);
    for (const layer of layers) {
      if (++visited > MAX_LAYERS) return;
      if (layer === null || typeof layer !== 'object') continue;
      if (layer.route === route) chains.push(prefix);
      else if (layer.route === undefined || layer.route === null) {
        const inner = typeof layer.handle === 'function' ? stackOf(layer.handle) : undefined;
        if (inner === undefined) continue;
        const paths = layerPaths(layer);
        if (paths === undefined) walk(inner, undefined, depth + 1);
        else
          for (const path of paths) walk(inner, prefix === undefined ? undefined : prefix + path, depth + 1);
      }
    }
    seen.delete(layers);
  };
  walk(stack, '', 0);
  return chains;
}

/** The mount paths of an app and its parents, outermost first (`['']` for a root app). */
function appPrefixes(app: AppLike): (string | undefined)[] {
  let prefixes: (string | undefined)[] = [''];
  let current: AppLike | undefined = app;
  for (
    let depth = 0;
    current?.parent !== undefined && current.parent !== null && depth < MAX_DEPTH;
    depth++
  ) {
    const mount = current.mountpath;
    const paths =
      typeof mount === 'string'
        ? [normalize(mount)]
        : Array.isArray(mount) && mount.every((p) => typeof p === 'string')
          ? mount.map(normalize)
          : [undefined];
    prefixes = paths.flatMap((p) =>
      prefixes.map((rest) => (p === undefined || rest === undefined ? undefined : p + rest)),
    );
    current = current.parent as AppLike;
  }
  return prefixes;
}

function appStack(app: AppLike): readonly LayerLike[] | undefined {
  try {
    // Express 4 throws on `app.router`; Express 5 has no `_router`.
    return stackOf('lazyrouter' in app ? app._router : app.router);
  } catch {
    return undefined;
  }
}

/** True when a template's segments match a base URL's (literal segments case-insensitively). */
function sameShape(template: string, base: string): boolean {
  const t = template.split('/');
  const b = base.split('/');
  if (t.length !== b.length) return false;
  for (let i = 0; i < t.length; i++) {
    const ts = t[i] as string;
    const bs = b[i] as string;
    if (ts.startsWith(':')) {
      if (bs === '') return false;
    } else if (ts.toLowerCase() !== bs.toLowerCase()) return false;
  }
  return true;
}

/** The base URL with its literal segments in lower case (the fallback; `:name` kept). */
export function lowerCaseBase(base: string): string {
  return base
    .split('/')
    .map((s) => (s.startsWith(':') || s.startsWith('*') ? s : s.toLowerCase()))
    .join('/');
}

/**
 * Resolves mount templates per (app, route), cached: routes and routers are registered
 * code, so the cache is bounded by the app's size.
 */
export function createMountTemplates(): (app: unknown, route: object, base: string) => string | undefined {
  const byApp = new WeakMap<object, WeakMap<object, (string | undefined)[]>>();
  function candidates(app: AppLike, route: object): (string | undefined)[] {
    let byRoute = byApp.get(app);
    if (byRoute === undefined) {
      byRoute = new WeakMap();
      byApp.set(app, byRoute);
    }
    let found = byRoute.get(route);
    if (found === undefined) {
      const stack = appStack(app);
      const chains = stack === undefined ? [undefined] : routerChains(stack, route);
      found = appPrefixes(app).flatMap((prefix) =>
        chains.map((chain) => (prefix === undefined || chain === undefined ? undefined : prefix + chain)),
      );
      byRoute.set(route, found);
    }
    return found;
  }
  /** The registered template of `base` (the request's mount part) on the way to `route`, if known. */
  return function mountTemplate(app, route, base) {
    if (app === null || (typeof app !== 'function' && typeof app !== 'object')) return undefined;
    const found = candidates(app as AppLike, route);
    if (found.length === 1 && found[0] !== undefined) return found[0];
    for (const template of found) if (template !== undefined && sameShape(template, base)) return template;
    return undefined;
  };
}
