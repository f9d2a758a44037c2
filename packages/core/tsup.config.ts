import { glassboxPreset } from '../../tooling/tsup.preset';

export default glassboxPreset({ index: 'src/index.ts', testing: 'src/testing.ts' });
