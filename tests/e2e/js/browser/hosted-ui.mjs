// Drives Cognate's hosted UI in headless Chromium, one browser context for the whole run (so
// the hosted-UI session cookie carries from step to step), and prints a JSON report.
//
//   node js/browser/hosted-ui.mjs '{"artifacts": "<dir for screenshots>", "bypassCSP": false,
//     "steps": [{"op": "goto", "url": "..."}, {"op": "login", "username": "...", "password": "..."},
//               {"op": "axe"}, {"op": "frames"}]}'
//
// Steps (each step's result is the page's state after it, plus what the op adds):
//   goto   {url, name?}                 open a URL; adds the HTTP status of the main response
//   login  {username, password, enter?, name?}  fill the sign-in form by its labels and press
//                                       "Sign in" (or Enter in the password field)
//   fill   {fields: [[label, value, exact?]], check: [label], button}  fill a form by its labels, submit
//   click  {link}                       follow a link by its text
//   axe    {}                           run axe-core on the current page (needs bypassCSP: true)
//   frames {}                           describe every frame of the current page
// Every step saves a screenshot in `artifacts`. Report: {ok, steps: [...], console, error?}.
import { Shots, launch, report, runAxe } from './common.mjs';

const args = JSON.parse(process.argv[2] || '{}');
const shots = new Shots(args.artifacts);
const consoleMessages = [];
const steps = [];

/** What a test wants to know about the page it is on. */
async function describe(page) {
	const form = page.locator('form');
	const alert = page.getByRole('alert');
	return {
		url: page.url(),
		title: await page.title(),
		heading: (await page.locator('h1').first().textContent({ timeout: 1000 }).catch(() => null))?.trim() ?? null,
		hasLoginForm: (await page.getByLabel('Password').count()) > 0 && (await form.count()) > 0,
		alert: (await alert.count()) > 0 ? (await alert.first().textContent()).trim() : null,
		text: (await page.locator('body').innerText().catch(() => '')).trim().slice(0, 2000),
		// What the CSP let through: images that decoded, and whether the stylesheet applied.
		images: await page.evaluate(() =>
			[...document.images].map((img) => ({ alt: img.alt, loaded: img.complete && img.naturalWidth > 0 })),
		),
		styled: await page.evaluate(() => [...document.styleSheets].some((sheet) => sheet.href && sheet.cssRules.length > 0)),
	};
}

/** Fills inputs found by their labels (exact), checks radio buttons by label, presses the button. */
async function submit(page, fields, check, button, enter = false) {
	for (const [label, value, exact = true] of fields) {
		await page.getByLabel(label, { exact }).fill(value);
	}
	for (const label of check) {
		await page.getByLabel(label, { exact: true }).check();
	}
	const before = page.url();
	await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }).catch(() => null),
		// `enter`: submit from the keyboard, pressing Enter in the last field filled.
		enter
			? page.getByLabel(fields[fields.length - 1][0], { exact: true }).press('Enter')
			: page.getByRole('button', { name: button, exact: true }).click(),
	]);
	return { from: before };
}

async function run(page, step) {
	switch (step.op) {
		case 'goto': {
			const response = await page.goto(step.url, { waitUntil: 'load' });
			return { status: response ? response.status() : null };
		}
		case 'login':
			return submit(page, [['Username', step.username], ['Password', step.password]], [], 'Sign in', step.enter);
		case 'fill':
			return submit(page, step.fields || [], step.check || [], step.button);
		case 'click': {
			const before = page.url();
			await Promise.all([
				page.waitForNavigation({ waitUntil: 'load' }).catch(() => null),
				page.getByRole('link', { name: step.link, exact: true }).click(),
			]);
			return { from: before };
		}
		case 'axe':
			return { violations: await runAxe(page) };
		case 'frames': {
			await page.waitForTimeout(step.settleMs ?? 1000);
			const frames = [];
			for (const frame of page.frames()) {
				if (frame === page.mainFrame()) continue;
				let hasLoginForm = false;
				let text = null;
				try {
					hasLoginForm = (await frame.locator('input[type=password]').count()) > 0;
					text = (await frame.locator('body').innerText({ timeout: 1000 })).trim().slice(0, 500);
				} catch (e) {
					text = `unreadable: ${e.message.split('\n')[0]}`;
				}
				frames.push({ url: frame.url(), hasLoginForm, text });
			}
			return { frames };
		}
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
	for (const [i, step] of (args.steps || []).entries()) {
		const result = { op: step.op, ...(await run(page, step)) };
		Object.assign(result, await describe(page));
		result.screenshot = await shots.take(page, step.name || step.op);
		steps.push(result);
	}
	report({ ok: true, steps, console: consoleMessages });
} catch (e) {
	report({ ok: false, steps, console: consoleMessages, error: String(e && e.stack ? e.stack : e) });
} finally {
	if (browser) await browser.close();
}
