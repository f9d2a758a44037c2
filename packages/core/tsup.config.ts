import { glassboxPreset } from '../../tooling/tsup.preset';

// The main API, `@glassbox/core/testing` (read-back for tests), `@glassbox/core/adapter`
// (building blocks of HTTP framework adapters) and `@glassbox/core/stats` (the drift
// statistics as pure functions).
export default glassboxPreset({
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  adapter: 'src/adapter.ts',
  stats: 'src/stats/index.ts',
});
