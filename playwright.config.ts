import { defineConfig } from '@playwright/test';

/**
 * Browser and Electron end-to-end tests. Run them through `npm run test:e2e` (or `npm test`),
 * which puts them in a private network namespace holding only loopback.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  // Two cores here; each test drives two or more browsers doing real WebRTC.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    trace: 'retain-on-failure',
  },
});
