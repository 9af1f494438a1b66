// Shared pieces of the browser drivers: Debian's Chromium launched through playwright-core
// (which cannot download a browser of its own here), screenshots, and axe-core.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.COGNATE_CHROMIUM || '/usr/bin/chromium';

/** Headless Chromium; `--no-sandbox` only when running as root (Chromium refuses otherwise). */
export async function launch() {
	const args = [];
	if (typeof process.getuid === 'function' && process.getuid() === 0) {
		args.push('--no-sandbox');
	}
	return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Saves full-page screenshots as `<dir>/NN-<name>.png`, numbered in the order taken. */
export class Shots {
	constructor(dir) {
		this.dir = dir;
		this.n = 0;
		this.files = [];
		if (dir) fs.mkdirSync(dir, { recursive: true });
	}
	async take(page, name) {
		if (!this.dir) return null;
		this.n += 1;
		const safe = String(name).replace(/[^A-Za-z0-9_.-]+/g, '-');
		const file = path.join(this.dir, `${String(this.n).padStart(2, '0')}-${safe}.png`);
		await page.screenshot({ path: file, fullPage: true });
		this.files.push(file);
		return file;
	}
}

/**
 * Runs axe-core on the page. The hosted UI's CSP forbids scripts, so the page must belong to a
 * context made with `bypassCSP: true`; the script is injected from node_modules.
 */
export async function runAxe(page) {
	await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
	const results = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
		}));
	});
	return results;
}

/** Prints the report as one JSON line on stdout (what the Python tests read). */
export function report(value) {
	process.stdout.write(`${JSON.stringify(value)}\n`);
}
