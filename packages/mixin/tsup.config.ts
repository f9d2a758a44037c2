import { glassboxPreset } from '../../tooling/tsup.preset';

export default glassboxPreset({ index: 'src/index.ts', cli: 'src/cli.ts' });
