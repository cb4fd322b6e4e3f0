// Error tracking and tracing, from the environment, before anything they observe loads: main.ts
// imports this module right after the Node.js version check (pg, ioredis and http must be
// required after the instrumentations are registered)
import { existsSync } from 'node:fs';
import { startTelemetry } from '@docent/telemetry/preload';

// main.ts reads .env too, later: this runs first (variables already set win, there and here)
if (existsSync('.env')) process.loadEnvFile('.env');
startTelemetry('api', process.env);
