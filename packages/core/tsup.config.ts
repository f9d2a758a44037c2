import { glassboxPreset } from '../../tooling/tsup.preset';

// Two entries: the main API and `@glassbox/core/stats` (the drift statistics as pure functions).
export default glassboxPreset({ index: 'src/index.ts', stats: 'src/stats/index.ts' });
