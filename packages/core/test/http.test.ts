import { describe, expect, it } from 'vitest';
import { createGlassbox, createHttpRecorder, nativeBackend } from '../src/index.js';

function setup(options = {}) {
  const mem = nativeBackend();
  const glassbox = createGlassbox({ backend: mem, logger: null });
  return { mem, recorder: createHttpRecorder(glassbox, options) };
}

describe('HTTP RED recorder', () => {
  it('records count, duration and in-flight by method, template and status', async () => {
    const { mem, recorder } = setup();
    const t = recorder.begin('GET');
    expect(mem.value('http_requests_in_flight', { method: 'GET' })).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    recorder.end('GET', '/users/:id', 200, t);
    expect(mem.value('http_requests_in_flight', { method: 'GET' })).toBe(0);
    expect(mem.value('http_requests_total', { method: 'GET', route: '/users/:id', status_code: '200' })).toBe(
      1,
    );
    const d = mem.distribution('http_request_duration_seconds', { route: '/users/:id' });
    expect(d?.count).toBe(1);
    expect(d?.sum).toBeGreaterThanOrEqual(0.015);
  });

  it('normalises methods to a bounded set and gives unmatched requests one route value', () => {
    const { mem, recorder } = setup();
    for (const m of ['get', 'PROPFIND', 'BREW', 'patch']) recorder.end(m, undefined, 404, recorder.begin(m));
    expect(mem.series('http_requests_total').map((s) => s.labels)).toEqual([
      { method: 'GET', route: 'unmatched', status_code: '404' },
      { method: 'OTHER', route: 'unmatched', status_code: '404' },
      { method: 'PATCH', route: 'unmatched', status_code: '404' },
    ]);
    expect(mem.value('http_requests_total', { method: 'OTHER' })).toBe(2);
    expect(mem.value('http_requests_in_flight')).toBe(0);
  });

  it('groups status codes, records sizes, and takes bounded extra labels', () => {
    const { mem, recorder } = setup({
      groupStatusCodes: true,
      recordSizes: true,
      extraLabelNames: ['tenant'],
    });
    recorder.end('POST', '/a', 201, recorder.begin('POST'), {
      requestBytes: 120,
      responseBytes: 5000,
      extraLabelValues: ['acme'],
    });
    recorder.end('POST', '/a', 204, recorder.begin('POST'), {
      requestBytes: 0,
      responseBytes: 0,
      extraLabelValues: ['acme'],
    });
    expect(mem.value('http_requests_total', { status_code: '2xx', tenant: 'acme' })).toBe(2);
    expect(mem.distribution('http_request_size_bytes', { route: '/a' })?.sum).toBe(120);
    expect(mem.distribution('http_response_size_bytes', { route: '/a' })?.count).toBe(2);
  });

  it('rejects a bad unmatched value at start-up', () => {
    expect(() => setup({ unmatchedRoute: '' })).toThrow(/unmatchedRoute/);
  });
});
