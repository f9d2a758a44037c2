import { glassboxPreset } from '../../tooling/tsup.preset';

export default glassboxPreset({
  index: 'src/index.ts',
  prometheus: 'src/prometheus.ts',
  otlp: 'src/otlp.ts',
});
