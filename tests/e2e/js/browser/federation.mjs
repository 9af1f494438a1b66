// Drives a federated sign-in through Cognate's hosted UI in headless Chromium: the sign-in
// page's identity-provider buttons and corporate-ID form, the upstream's sign-in page
// (js/upstream-oidc.mjs), and the app's callback. One browser context for the whole run; prints
// a JSON report.
//
//   node js/browser/federation.mjs '{"artifacts": "<dir for screenshots>", "bypassCSP": false,
//     "callback": "http://localhost:8123/cb", "steps": [...]}'
//
// The app's callback needs no server: a step whose `until` starts with `callback` ends when the
// browser is sent there (normally at the end of a redirect chain) and has its answer or its
// failure (nothing listens: net::ERR_CONNECTION_REFUSED); the URL is recorded in the report's
// `callbacks`. (Playwright's routing cannot stand in for the app: it sees the first request of
// a navigation only, never the redirects that follow it.)
//
// Steps (each step's result is the page's state after it, plus what the op adds). `until`, where
// a step takes it, is a URL prefix the page must reach (through any redirects) before the step
// ends; the step fails if it is not reached within `timeoutMs` (default 15000):
//   goto   {url, until?}                      open a URL; adds the HTTP status of the main response
//   click  {selector, until?}                 click the element `selector` (a CSS selector)
//   fill   {selector, value, button, until?}  fill the input `selector`, press the button named
//                                            `button` (exact accessible name)
//   upstream {account, until?}                on the upstream's sign-in page, sign in as `account`
//                                            (its form's field and "Sign in" button)
//   axe    {}                                 run axe-core on the current page (needs bypassCSP)
// Every step saves a screenshot in `artifacts`. Report: {ok, steps, callbacks, failed (requests that failed: url, error), console,
// error?}.
import { Shots, launch, report, runAxe } from './common.mjs';

const args = JSON.parse(process.argv[2] || '{}');
const shots = new Shots(args.artifacts);
const consoleMessages = [];
const callbacks = [];
const failed = [];
const steps = [];

/** The page's state: where it is, its headings, the IdP buttons, the forms and their inputs. */
async function describe(page) {
	return {
		url: page.url(),
		title: await page.title(),
		...(await page.evaluate(() => {
			const text = (el) => (el ? el.textContent.trim() : null);
			const labelOf = (input) => {
				const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
				return text(label);
			};
			return {
				heading: text(document.querySelector('h1')),
				subheadings: [...document.querySelectorAll('h2')].map(text),
				idpButtons: [...document.querySelectorAll('a.idpButton-customizable')].map((a) => ({
					text: text(a),
					href: a.href,
					providerType: a.dataset.providerType ?? null,
				})),
				forms: [...document.forms].map((f) => ({
					method: (f.getAttribute('method') || 'get').toLowerCase(),
					action: f.action,
					inputs: [...f.querySelectorAll('input')].map((i) => ({
						name: i.name, type: i.type, id: i.id || null, label: labelOf(i), required: i.required,
					})),
					buttons: [...f.querySelectorAll('button')].map(text),
				})),
				passwordFields: document.querySelectorAll('input[type=password]').length,
				alert: text(document.querySelector('[role=alert]')),
				body: (document.body ? document.body.innerText : '').trim().slice(0, 2000),
			};
		})),
	};
}

/** Does `action` (a click or a key press), then waits for the page to be at `until`. */
async function act(page, step, action) {
	const before = page.url();
	const timeout = step.timeoutMs ?? 15000;
	if (step.until && args.callback && step.until.startsWith(args.callback)) {
		const [request] = await Promise.all([
			page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(step.until), { timeout }),
			action(),
		]);
		await request.response(); // null when the request failed
		callbacks.push(request.url());
	} else if (step.until) {
		await Promise.all([
			page.waitForURL((u) => u.href.startsWith(step.until), { waitUntil: 'load', timeout }),
			action(),
		]);
	} else {
		await action();
		await page.waitForLoadState('load');
	}
	return { from: before };
}

async function run(page, step) {
	switch (step.op) {
		case 'goto': {
			const response = await page.goto(step.url, { waitUntil: 'load' });
			if (step.until && !page.url().startsWith(step.until)) {
				await page.waitForURL((u) => u.href.startsWith(step.until), { timeout: step.timeoutMs ?? 15000 });
			}
			return { status: response ? response.status() : null };
		}
		case 'click':
			return act(page, step, () => page.locator(step.selector).click());
		case 'fill':
			await page.locator(step.selector).fill(step.value);
			return act(page, step, () => page.getByRole('button', { name: step.button, exact: true }).click());
		case 'upstream':
			await page.locator('input[name=account]').fill(step.account);
			return act(page, step, () => page.getByRole('button', { name: 'Sign in', exact: true }).click());
		case 'axe':
			return { violations: await runAxe(page) };
		default:
			throw new Error(`unknown op ${step.op}`);
	}
}

let browser;
try {
	browser = await launch();
	const context = await browser.newContext({ bypassCSP: Boolean(args.bypassCSP) });
	const page = await context.newPage();
	page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
	page.on('requestfailed', (r) => failed.push({ url: r.url(), error: r.failure()?.errorText ?? null }));
	for (const step of args.steps || []) {
		const result = { op: step.op };
		try {
			Object.assign(result, await run(page, step));
		} finally {
			// The page as it was when the step ended or failed, for the report either way.
			Object.assign(result, await describe(page).catch((e) => ({ url: page.url(), describeError: String(e) })));
			result.screenshot = await shots.take(page, step.name || step.op).catch(() => null);
			steps.push(result);
		}
	}
	report({ ok: true, steps, callbacks, failed, console: consoleMessages });
} catch (e) {
	report({ ok: false, steps, callbacks, failed, console: consoleMessages, error: String(e && e.stack ? e.stack : e) });
} finally {
	if (browser) await browser.close();
}
