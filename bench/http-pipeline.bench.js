'use strict';
// The request pipeline alone: GET /health/live on the real api against a bare Fastify server doing
// the same work. The same harness as the auth benchmark (bench/auth-get.bench.js), one route.
//
//   npm run bench -- http
const auth = require('./auth-get.bench.js');

module.exports = {
  description: 'HTTP pipeline (/health/live) vs bare Fastify doing the same work',
  run: () =>
    auth.run({
      routes: ['live'],
      heading: '## http: HTTP pipeline overhead vs bare Fastify',
      figures: 'http',
    }),
};
