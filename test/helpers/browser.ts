// Test helper: Debian's chromium (scripts/setup.sh installs it) driven by playwright-core, with
// every console error and uncaught page error of every page collected for the test to assert on.
// ZINC_TEST_CHROMIUM names another Chromium binary.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, or the binary ZINC_TEST_CHROMIUM names. */
export function chromiumPath(): string {
  const path = process.env.ZINC_TEST_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `no Chromium at ${path}: install Debian's chromium (scripts/setup.sh does) or set ZINC_TEST_CHROMIUM`,
    );
  }
  return path;
}

/** Starts headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // The tests run as root in a container, where Chromium's own sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A page whose console errors and page errors land in `errors`. */
export async function watchedPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const at = message.location();
    errors.push(`${page.url()}: console: ${message.text()} (at ${at.url}:${at.lineNumber})`);
  });
  page.on('pageerror', (err) => errors.push(`${page.url()}: page error: ${err.message}`));
  return page;
}

/**
 * Takes out of `errors` the browser's own report of the refusal a step provoked on purpose
 * ("Failed to load resource: ... status of <status>"), and fails unless exactly one is there.
 */
export function expectRefusalLogged(errors: string[], status: number): void {
  const refusal = `the server responded with a status of ${status}`;
  const matching = errors.filter((e) => e.includes(refusal));
  if (matching.length !== 1) {
    throw new Error(`expected one logged ${status} refusal, found: ${JSON.stringify(errors)}`);
  }
  errors.splice(errors.indexOf(matching[0]!), 1);
}
