/**
 * The apps the shared behaviour suite runs over. Each implements ./contract.ts.
 */

import { inject } from 'vitest';
import { express4App, expressApp, expressInstrumentApp } from '../../packages/express/test/suite-app.js';
import { fastifyApp } from '../../packages/fastify/test/suite-app.js';
import { nestExpressApp, nestFastifyApp } from '../../packages/nest/test/suite-app.js';
import type { SuiteApp } from './contract.js';

const all: readonly SuiteApp[] = [
  expressApp,
  expressInstrumentApp,
  express4App,
  fastifyApp,
  nestExpressApp,
  nestFastifyApp,
];

/**
 * The apps to run: all of them, or only the Nest apps under a project that runs an older
 * NestJS major (it provides `nestMajor`, see ./nest-majors.ts).
 */
export const apps: readonly SuiteApp[] =
  inject('nestMajor') === undefined ? all : all.filter((app) => app.name.startsWith('nest-'));
