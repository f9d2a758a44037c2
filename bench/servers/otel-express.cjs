// Express 5 with OpenTelemetry: sdk-metrics MeterProvider + PrometheusExporter (as a
// reader, no own server) and @opentelemetry/instrumentation-http. CommonJS so the
// instrumentation is registered before express (and node:http) are required.
const { MeterProvider } = require('@opentelemetry/sdk-metrics');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });
registerInstrumentations({ instrumentations: [new HttpInstrumentation()], meterProvider });

const http = require('node:http');
const express = require('express');

function routes(a) {
  a.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  return a;
}

exports.variants = {
  otel: async () => {
    const a = express();
    a.get('/metrics', (req, res) => exporter.getMetricsRequestHandler(req, res));
    return routes(a);
  },
};

exports.listen = async (a) => {
  const server = http.createServer(a);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, close: () => new Promise((r) => server.close(r)) };
};
