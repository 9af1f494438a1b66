// Shared pieces of the Node drivers (srp.mjs, mfa.mjs): a localStorage-like Storage shim
// that can be persisted between runs, a recorder of the library's HTTP traffic, and helpers
// that turn callbacks, errors and sessions into the JSON the Python tests read.
import fs from 'node:fs';

export class JsonStorage {
	constructor(data) {
		this.data = { ...(data || {}) };
	}
	setItem(key, value) {
		this.data[key] = String(value);
		return this.data[key];
	}
	getItem(key) {
		return Object.prototype.hasOwnProperty.call(this.data, key) ? this.data[key] : null;
	}
	removeItem(key) {
		return delete this.data[key];
	}
	clear() {
		this.data = {};
		return this.data;
	}
}

/** A Storage holding what `file` saved earlier (empty when there is no file). */
export function loadStorage(file) {
	let initial = {};
	if (file && fs.existsSync(file)) {
		initial = JSON.parse(fs.readFileSync(file, 'utf8') || '{}');
	}
	return new JsonStorage(initial);
}

/** Wraps global fetch; returns the array every request and its response are appended to. */
export function recordFetch() {
	const requests = [];
	const realFetch = globalThis.fetch;
	globalThis.fetch = async (url, options = {}) => {
		const headers = options.headers || {};
		const target = String(headers['X-Amz-Target'] || '').split('.').pop();
		let body = null;
		try {
			body = JSON.parse(options.body);
		} catch {
			body = options.body ?? null;
		}
		const entry = { target, url: String(url), body };
		requests.push(entry);
		const resp = await realFetch(url, options);
		entry.status = resp.status;
		try {
			entry.response = await resp.clone().json();
		} catch {
			entry.response = null;
		}
		return resp;
	};
	return requests;
}

export function errorOf(err) {
	if (err == null) return null;
	if (typeof err !== 'object') return { code: null, name: null, message: String(err) };
	return {
		code: err.code ?? null,
		name: err.name ?? null,
		message: err.message ?? null,
		statusCode: err.statusCode ?? null,
	};
}

export function sessionInfo(session) {
	if (!session || typeof session.getIdToken !== 'function') return null;
	return {
		valid: session.isValid(),
		idToken: session.getIdToken().getJwtToken(),
		accessToken: session.getAccessToken().getJwtToken(),
		refreshToken: session.getRefreshToken().getToken(),
		idPayload: session.getIdToken().decodePayload(),
		accessPayload: session.getAccessToken().decodePayload(),
	};
}

/** `withTimeout(op, executor)`: runs a callback-style step, resolving with its result or a timeout. */
export function timeoutRunner(ms) {
	return function withTimeout(op, executor) {
		return new Promise(resolve => {
			let done = false;
			const finish = result => {
				if (done) return;
				done = true;
				clearTimeout(timer);
				resolve(result);
			};
			const timer = setTimeout(
				() => finish({ ok: false, callback: 'timeout', error: { code: 'Timeout', name: 'Timeout', message: `no callback within ${ms} ms` } }),
				ms
			);
			try {
				executor(finish);
			} catch (err) {
				finish({ ok: false, callback: 'threw', error: errorOf(err), stack: err && err.stack });
			}
		});
	};
}

/**
 * Runs `args.steps` through `ops`, one at a time (stopping at the first failure unless a step
 * says `continueOnError`), then saves the Storage, prints one JSON line with every step's
 * result, the recorded traffic and the Storage, and exits. A library bug or an unexpected
 * server answer that throws inside a fetch callback becomes the running step's result instead
 * of killing the script without output.
 */
export async function runSteps(script, args, ops, storage, requests) {
	let onCrash = null;
	process.on('uncaughtException', err => {
		if (onCrash) onCrash({ ok: false, callback: 'uncaughtException', error: errorOf(err), stack: err && err.stack });
		else throw err;
	});
	process.on('unhandledRejection', err => {
		if (onCrash) onCrash({ ok: false, callback: 'unhandledRejection', error: errorOf(err), stack: err && err.stack });
	});
	const results = [];
	for (const step of args.steps) {
		const run = ops[step.op];
		if (!run) {
			console.error(`${script}: unknown op ${step.op}`);
			process.exit(2);
		}
		const result = await Promise.race([
			run(step),
			new Promise(resolve => {
				onCrash = resolve;
			}),
		]);
		onCrash = null;
		results.push({ op: step.op, ...result });
		if (!result.ok && !step.continueOnError) break;
	}
	if (args.storageFile) fs.writeFileSync(args.storageFile, JSON.stringify(storage.data, null, 1));
	process.stdout.write(`${JSON.stringify({ steps: results, requests, storage: storage.data })}\n`);
	// Leave no keep-alive sockets (or a stdin reader) holding the process open.
	process.exit(0);
}
