import { channel } from 'node:diagnostics_channel';
import {
  catalog,
  classifyHttpClientError,
  createGlassbox,
  HTTP_CLIENT_DEFAULTS,
  HTTP_CLIENT_ERROR_STATUSES,
  instrumentHttpClient,
  nativeBackend,
} from '@glassbox/core';
import { describe, expect, it, vi } from 'vitest';
import { compileHosts } from '../src/http-client/hosts.js';
import { hasHttpClientErrorChannel } from '../src/http-client/instrument.js';

function glassbox() {
  const backend = nativeBackend();
  const warn = vi.fn();
  return { backend, warn, glassbox: createGlassbox({ backend, logger: { warn } }) };
}

describe('options are validated at start-up', () => {
  it('an unknown key is an Error naming it', () => {
    const { glassbox: g } = glassbox();
    expect(() => instrumentHttpClient(g, { host: ['a'] } as never)).toThrow(/unknown option "host"/);
  });

  it('wrong types and bad hosts are named', () => {
    const { glassbox: g } = glassbox();
    expect(() => instrumentHttpClient(g, { undici: 'yes' } as never)).toThrow(/undici must be a boolean/);
    expect(() => instrumentHttpClient(g, { hosts: 'api.openai.com' } as never)).toThrow(
      /hosts must be an array/,
    );
    expect(() => instrumentHttpClient(g, { hosts: ['ok.example', 42] } as never)).toThrow(/hosts\[1\]/);
    for (const bad of [
      'https://api.openai.com',
      'a/b',
      'a:b:c',
      'x:0',
      'x:70000',
      'user@host',
      '',
      'a?b',
      '*.',
    ])
      expect(() => instrumentHttpClient(g, { hosts: [bad] }), bad).toThrow(/hosts\[0\]/);
    expect(() => instrumentHttpClient(g, { hosts: ['other'] })).toThrow(/"other" cannot be declared/);
    expect(() => instrumentHttpClient(null as never)).toThrow(/Glassbox instance/);
    expect(() => instrumentHttpClient(g, null as never)).toThrow(/options must be an object/);
  });

  it('a refused start leaves nothing subscribed and the defaults are exported', () => {
    const { glassbox: g } = glassbox();
    expect(() => instrumentHttpClient(g, { nope: true } as never)).toThrow();
    const h = instrumentHttpClient(g);
    h.stop();
    expect(HTTP_CLIENT_DEFAULTS).toEqual({ hosts: [], undici: true, http: true, groupStatusCodes: false });
  });
});

describe('declared hosts', () => {
  const hosts = compileHosts([
    'API.OpenAI.com',
    'models.internal:8443',
    'localhost:80',
    '*.svc.cluster.local',
    '*.prod.svc.cluster.local',
    '[::1]:9000',
  ]);

  it('labels are the canonical spellings, then other', () => {
    expect(hosts.labels).toEqual([
      'api.openai.com',
      'models.internal:8443',
      'localhost:80',
      '[::1]:9000',
      '*.prod.svc.cluster.local',
      '*.svc.cluster.local',
      'other',
    ]);
  });

  it('undici origins', () => {
    expect(hosts.forOrigin('https://api.openai.com')).toBe('api.openai.com');
    expect(hosts.forOrigin('http://api.openai.com:8080')).toBe('api.openai.com');
    expect(hosts.forOrigin('https://models.internal:8443')).toBe('models.internal:8443');
    expect(hosts.forOrigin('https://models.internal')).toBe('other');
    expect(hosts.forOrigin('http://localhost')).toBe('localhost:80');
    expect(hosts.forOrigin('https://localhost')).toBe('other');
    expect(hosts.forOrigin('http://a.b.svc.cluster.local:8080')).toBe('*.svc.cluster.local');
    expect(hosts.forOrigin('http://x.prod.svc.cluster.local')).toBe('*.prod.svc.cluster.local');
    expect(hosts.forOrigin('http://svc.cluster.local')).toBe('other');
    expect(hosts.forOrigin('http://[::1]:9000')).toBe('[::1]:9000');
    expect(hosts.forOrigin('not a url')).toBe('other');
  });

  it('node:http hosts (raw spelling, unbracketed IPv6)', () => {
    expect(hosts.forHost('API.OPENAI.COM', 443)).toBe('api.openai.com');
    expect(hosts.forHost('models.internal', 8443)).toBe('models.internal:8443');
    expect(hosts.forHost('models.internal', 443)).toBe('other');
    expect(hosts.forHost('::1', 9000)).toBe('[::1]:9000');
    expect(hosts.forHost('', 80)).toBe('other');
  });

  it('node:http requests: the port comes from the Host header Node wrote, else the protocol', () => {
    expect(hosts.forHttp('https:', 'models.internal', 'models.internal:8443')).toBe('models.internal:8443');
    expect(hosts.forHttp('https:', 'models.internal', 'models.internal')).toBe('other');
    expect(hosts.forHttp('http:', 'localhost', 'localhost')).toBe('localhost:80');
    expect(hosts.forHttp('https:', 'localhost', 'localhost')).toBe('other');
    expect(hosts.forHttp('http:', '::1', '[::1]:9000')).toBe('[::1]:9000');
    // A Host header the caller set for another name says nothing about the port.
    expect(hosts.forHttp('http:', 'localhost', 'virtual.example:8443')).toBe('localhost:80');
    expect(hosts.forHttp('http:', 'api.openai.com', undefined)).toBe('api.openai.com');
    expect(hosts.forHttp(undefined, undefined, undefined)).toBe('other');
  });

  it('the caches are bounded: many distinct hosts still label correctly', () => {
    for (let i = 0; i < 3000; i++) {
      expect(hosts.forOrigin(`http://h${i}.example`)).toBe('other');
      expect(hosts.forHttp('http:', `h${i}.example`, `h${i}.example:${i + 1}`)).toBe('other');
    }
    expect(hosts.forOrigin('https://api.openai.com')).toBe('api.openai.com');
    expect(hosts.forHttp('https:', 'models.internal', 'models.internal:8443')).toBe('models.internal:8443');
  });
});

describe('error classification', () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error('message is never read'), props);
  it.each([
    [err({ code: 'ENOTFOUND' }), 'error_dns'],
    [err({ code: 'EAI_AGAIN' }), 'error_dns'],
    [err({ code: 'ECONNREFUSED' }), 'error_connect'],
    [err({ code: 'EHOSTUNREACH' }), 'error_connect'],
    [err({ code: 'ETIMEDOUT' }), 'error_timeout'],
    [err({ code: 'UND_ERR_HEADERS_TIMEOUT', name: 'HeadersTimeoutError' }), 'error_timeout'],
    [new DOMException('t', 'TimeoutError'), 'error_timeout'],
    [
      err({ name: 'AbortError', code: 'ABORT_ERR', cause: new DOMException('t', 'TimeoutError') }),
      'error_timeout',
    ],
    [new DOMException('a', 'AbortError'), 'error_aborted'],
    [err({ code: 'ECONNRESET' }), 'error_reset'],
    [err({ code: 'UND_ERR_SOCKET', name: 'SocketError' }), 'error_reset'],
    [err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'error_tls'],
    [err({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'error_tls'],
    [err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'error_tls'],
    [new TypeError('fetch failed', { cause: err({ code: 'ECONNREFUSED' }) }), 'error_connect'],
    [err({ code: 'SOMETHING_ELSE' }), 'error_other'],
    ['a string', 'error_other'],
    [null, 'error_other'],
  ])('%s → %s', (error, status) => {
    expect(classifyHttpClientError(error)).toBe(status);
    expect(HTTP_CLIENT_ERROR_STATUSES).toContain(status);
  });

  it('a hostile error object does not throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(classifyHttpClientError(hostile)).toBe('error_other');
  });
});

describe('runtime', () => {
  it('knows which Nodes publish http.client.request.error', () => {
    expect(hasHttpClientErrorChannel('20.16.0')).toBe(false);
    expect(hasHttpClientErrorChannel('20.17.0')).toBe(true);
    expect(hasHttpClientErrorChannel('21.7.3')).toBe(false);
    expect(hasHttpClientErrorChannel('22.5.1')).toBe(false);
    expect(hasHttpClientErrorChannel('22.6.0')).toBe(true);
    expect(hasHttpClientErrorChannel('24.0.0')).toBe(true);
  });

  it('a malformed channel message is counted and logged once, never thrown into the process', async () => {
    const { glassbox: g, backend, warn } = glassbox();
    const h = instrumentHttpClient(g);
    const uncaught = vi.fn();
    process.on('uncaughtException', uncaught);
    try {
      const request = {
        origin: 'http://x',
        get method(): string {
          throw new Error('hostile getter');
        },
      };
      for (let i = 0; i < 2; i++) {
        channel('undici:request:create').publish({ request });
        channel('undici:request:headers').publish({ request, response: { statusCode: 200 } });
      }
      channel('undici:request:headers').publish(null);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('uncaughtException', uncaught);
      h.stop();
    }
    expect(uncaught).not.toHaveBeenCalled();
    expect(backend.value('glassbox_instrumentation_errors_total', { component: 'http_client' })).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(backend.value('http_client_requests_total')).toBeUndefined(); // nothing recorded
  });

  it('the catalog group: names, labels and the alert thresholds as buckets', () => {
    expect(catalog.httpClient.requestsTotal).toMatchObject({
      name: 'http_client_requests_total',
      kind: 'counter',
      labelNames: ['method', 'host', 'status_code'],
    });
    const d = catalog.httpClient.requestDuration;
    expect(d).toMatchObject({ name: 'http_client_request_duration_seconds', labelNames: ['method', 'host'] });
    for (const t of [0.1, 0.5, 1, 2, 5, 30, 60]) expect(d.buckets).toContain(t);
  });
});
