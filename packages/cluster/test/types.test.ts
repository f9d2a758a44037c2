import cluster from 'node:cluster';
import type { MetricFamily, MetricsSource } from '@glassbox/core';
import * as client from 'prom-client';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  ClusterLike,
  ClusterPrimary,
  ClusterPrimaryOptions,
  ClusterRegistryLike,
  ClusterWorker,
  ClusterWorkerOptions,
  MergedFamily,
  WorkerFailureReason,
} from '../src/index.js';

describe('public types', () => {
  it('both sides are exporter sources', () => {
    expectTypeOf<ClusterPrimary>().toMatchTypeOf<MetricsSource>();
    expectTypeOf<ClusterWorker>().toMatchTypeOf<MetricsSource>();
  });

  it('the merge hands over core metric families (the exporter renders them)', () => {
    expectTypeOf<MergedFamily>().toMatchTypeOf<MetricFamily>();
    expectTypeOf<ReturnType<ClusterPrimary['collect']>>().toEqualTypeOf<Promise<MergedFamily[]>>();
    expectTypeOf<ReturnType<ClusterWorker['collect']>>().toEqualTypeOf<Promise<MergedFamily[]>>();
  });

  it('the real node:cluster module and prom-client Registry fit the option types', () => {
    expectTypeOf(cluster).toMatchTypeOf<ClusterLike>();
    expectTypeOf(new client.Registry()).toMatchTypeOf<ClusterRegistryLike>();
    expectTypeOf<{ registry: client.Registry }>().toMatchTypeOf<ClusterWorkerOptions>();
  });

  it('onWorkerFailure is a closed set; reasons are the documented four', () => {
    expectTypeOf<ClusterPrimaryOptions['onWorkerFailure']>().toEqualTypeOf<'partial' | 'fail' | undefined>();
    expectTypeOf<WorkerFailureReason>().toEqualTypeOf<'timeout' | 'exited' | 'no_glassbox' | 'error'>();
  });
});
