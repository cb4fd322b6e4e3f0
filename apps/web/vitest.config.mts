import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web client's unit tests (Vitest, in jsdom): the files `src/**\/*.test.ts(x)` beside the code.
 * jest runs the rest of the repository (`*.spec.ts`, `*.e2e-spec.ts`) and never these. JSX is
 * compiled as in the build (vite.config.mts). `npm run test:web` runs them; `npm test` too.
 */
export default defineConfig({
  root,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
