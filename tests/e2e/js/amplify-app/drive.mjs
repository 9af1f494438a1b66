// Drives the Amplify app in headless Chromium through Cognate's hosted UI and prints a JSON
// report: sign in with redirect, the app signed in, sign out, and sign in again showing the form.
//   node js/amplify-app/drive.mjs '{"appUrl", "domain", "username", "password", "artifacts"}'
import { chromium } from 'playwright-core';
import { CHROMIUM, Shots, report } from '../browser/common.mjs';

const args = JSON.parse(process.argv[2] || '{}');
const shots = new Shots(args.artifacts);
const host = args.domain.split(':')[0];
const steps = [];
const consoleMessages = [];

const launchArgs = [`--host-resolver-rules=MAP ${host} 127.0.0.1`, '--ignore-certificate-errors'];
if (typeof process.getuid === 'function' && process.getuid() === 0) launchArgs.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: launchArgs });
let ok = false;
let error;
try {
	const context = await browser.newContext({ ignoreHTTPSErrors: true });
	const page = await context.newPage();
	page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => consoleMessages.push(`pageerror: ${e.message}`));

	const appState = async (name) => {
		await page.waitForSelector('#result[data-ready="true"]', { timeout: 20000 });
		const state = JSON.parse(await page.locator('#result').textContent());
		steps.push({ name, url: page.url(), state });
		await shots.take(page, name);
		return state;
	};
	const toLogin = async (name) => {
		await Promise.all([page.waitForURL((u) => u.pathname === '/login', { timeout: 20000 }), page.click('#signin')]);
		await page.waitForLoadState('load');
		steps.push({ name, url: page.url(), hasLoginForm: (await page.getByLabel('Password').count()) > 0 });
		await shots.take(page, name);
	};

	await page.goto(args.appUrl, { waitUntil: 'load' });
	await appState('app-start');
	await toLogin('hosted-ui-login');
	await page.getByLabel('Username', { exact: true }).fill(args.username);
	await page.getByLabel('Password', { exact: true }).fill(args.password);
	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(args.appUrl), { timeout: 20000 }),
		page.getByRole('button', { name: 'Sign in', exact: true }).click(),
	]);
	steps.push({ name: 'returned', url: page.url() });
	await appState('app-signed-in');
	// The page is already at the app's URL: wait for the new document the sign-out's redirect
	// chain (app → /logout → app) ends in, not for a URL the current one already matches.
	await Promise.all([
		page.waitForNavigation({
			url: (u) => u.href.startsWith(args.appUrl) && !u.search.includes('code='),
			waitUntil: 'load',
			timeout: 20000,
		}),
		page.click('#signout'),
	]);
	await appState('app-signed-out');
	await toLogin('hosted-ui-login-again');
	ok = true;
} catch (e) {
	error = String(e?.stack ?? e);
} finally {
	await browser.close();
}
report({ ok, steps, console: consoleMessages, error });
