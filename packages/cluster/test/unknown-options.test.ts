import { describe, expect, it } from 'vitest';
import { setupClusterPrimary, setupClusterWorker } from '../src/index.js';

// issue 16.2: an unknown key was ignored in JavaScript
describe('16.2: cluster options are validated at start-up', () => {
  it('an unknown key names the nearest valid one', () => {
    expect(() => setupClusterPrimary({ timeoutMS: 100 } as never)).toThrow(
      /unknown option "timeoutMS" \(did you mean "timeoutMs"\?\)/,
    );
    expect(() => setupClusterWorker({ registry: {}, proccess: {} } as never)).toThrow(
      /unknown option "proccess" \(did you mean "process"\?\)/,
    );
  });
});
