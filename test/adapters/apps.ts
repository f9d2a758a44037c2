/**
 * The apps the shared behaviour suite runs over. Each implements ./contract.ts.
 */
import { express4App, expressApp, expressInstrumentApp } from '../../packages/express/test/suite-app.js';
import { fastifyApp } from '../../packages/fastify/test/suite-app.js';
import { nestExpressApp, nestFastifyApp } from '../../packages/nest/test/suite-app.js';
import type { SuiteApp } from './contract.js';

export const apps: readonly SuiteApp[] = [
  expressApp,
  expressInstrumentApp,
  express4App,
  fastifyApp,
  nestExpressApp,
  nestFastifyApp,
];
