#!/usr/bin/env node
// Regenerates generated/ for docker-compose: `pnpm --filter examples-monitoring generate`.
// The compose test checks the checked-in files are current.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildMonitoring, writeFiles } from './mixin.mjs';

/** The scrape targets inside the compose network (service name: metrics port). */
export const COMPOSE_TARGETS = [
  { service: 'risk-analytics', target: 'risk-analytics:3001' },
  { service: 'ml-service', target: 'ml-service:9464' },
  { service: 'workflow-orchestrator', target: 'workflow-orchestrator:3003' },
  { service: 'batch-worker', target: 'batch-worker:9465' },
  { service: 'content-pipeline', target: 'content-pipeline:3005' },
];

export function composeFiles() {
  return buildMonitoring({
    targets: COMPOSE_TARGETS,
    credentialsFile: '/etc/prometheus/secrets/metrics-token',
    alertmanager: 'alertmanager:9093',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('./generated/', import.meta.url));
  await rm(out, { recursive: true, force: true });
  const files = composeFiles();
  await writeFiles(files, out);
  console.log(`wrote ${Object.keys(files).length} files to ${out}`);
}
