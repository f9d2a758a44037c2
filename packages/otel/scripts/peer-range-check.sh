#!/usr/bin/env bash
# Checks @glassbox/otel against given OpenTelemetry versions in a scratch directory
# (npm registry, no repository state touched). Build first: pnpm --filter @glassbox/otel... build
# Usage: peer-range-check.sh <api> <sdk-metrics> <resources> <exporter-metrics-otlp-http> <exporter-prometheus> [node]
# e.g.   peer-range-check.sh 1.9.0 2.0.0 2.0.0 0.200.0 0.209.0
#        peer-range-check.sh 1.10.0 3.1.1 3.1.1 0.301.0 0.301.0 ../../.cache/node22/node_modules/node/bin/node
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
packages="$(cd "$here/../.." && pwd)"
node="${6:-node}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cd "$dir"
echo '{ "name": "otel-peer-range-check", "private": true, "type": "module" }' >package.json
npm install --silent --no-audit --no-fund "@opentelemetry/api@$1" "@opentelemetry/sdk-metrics@$2" \
  "@opentelemetry/resources@$3" "@opentelemetry/exporter-metrics-otlp-http@$4" \
  "@opentelemetry/exporter-prometheus@$5" prom-client@15.1.3
for p in core exporter otel; do
  mkdir -p "node_modules/@glassbox/$p"
  cp -r "$packages/$p/dist" "$packages/$p/package.json" "node_modules/@glassbox/$p/"
done
cp "$here/peer-range-check.mjs" .
echo "node $("$node" --version), sdk-metrics $2, exporter-prometheus $5"
"$node" peer-range-check.mjs
