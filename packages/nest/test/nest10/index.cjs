// NestJS 10, resolved from this fixture package (see package.json).
module.exports = {
  common: require('@nestjs/common'),
  core: require('@nestjs/core'),
  platformExpress: require('@nestjs/platform-express'),
  platformFastify: require('@nestjs/platform-fastify'),
};
