// Issue 16.2: unknown plugin option keys were ignored (`metricsRote`); wrong types too.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { glassbox as fastifyGlassbox } from '../src/index.js';

describe('16.2: the Fastify plugin refuses unknown option keys at start-up', () => {
  it('Fastify', async () => {
    const app = Fastify();
    await expect(
      app.register(fastifyGlassbox, { metricsRote: true, defaultMetrics: false } as never).ready(),
    ).rejects.toThrow(/unknown option "metricsRote" \(did you mean "metricsRoute"\?\)/);
    const typed = Fastify();
    await expect(
      typed.register(fastifyGlassbox, { metricsRoute: 'yes', defaultMetrics: false } as never).ready(),
    ).rejects.toThrow(TypeError);
  });
});
