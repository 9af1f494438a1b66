// Runs Lambda handlers, unchanged, behind the AWS Lambda Invoke API, for the Python end-to-end
// tests (tests/e2e/test_lambda_node.py): a Cognate server started with
// `--lambda-endpoint http://127.0.0.1:<port>` invokes the functions its pools name by ARN here.
// Node 20 standard library only.
//
//   node lambda-adapter.mjs [--dir DIR] [--port 0] [--region us-east-1] [--timeout-ms 3000]
//
// POST /2015-03-31/functions/{FunctionName}/invocations, body = the event:
//   FunctionName is a name, a full or partial ARN (percent-encoded or not), optionally with a
//   :qualifier; the function is DIR/<name>.js (DIR defaults to ./lambdas), a CommonJS module
//   exporting `handler`, loaded with createRequire. Async handlers and the (event, context,
//   callback) style both work.
//   X-Amz-Invocation-Type RequestResponse (default): 200 + the result as JSON; when the handler
//     throws or calls back with an error: 200 + `X-Amz-Function-Error: Unhandled` +
//     {"errorMessage", "errorType", "trace"} (as Lambda answers).
//   Event: 202 at once, the handler runs afterwards. DryRun: 204.
//   Unknown function: 404 ResourceNotFoundException; a body that is not JSON: 400
//   InvalidRequestContentException.
//
// Prints `lambda adapter listening on http://127.0.0.1:<port>` on stdout when ready, one line
// per invocation on stderr, and exits on SIGTERM / SIGINT.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
	options: {
		dir: { type: 'string' },
		port: { type: 'string', default: '0' },
		region: { type: 'string', default: 'us-east-1' },
		'timeout-ms': { type: 'string', default: '3000' },
	},
});
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(opts.dir || process.env.LAMBDA_DIR || path.join(here, 'lambdas'));
const requireHandler = createRequire(path.join(dir, 'index.js'));
const ACCOUNT = '000000000000';
const TIMEOUT_MS = Number(opts['timeout-ms']);
const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const NAME = /^[A-Za-z0-9_-]{1,140}$/;

const log = message => process.stderr.write(`lambda adapter: ${message}\n`);

/** `my-fn`, `arn:aws:lambda:r:a:function:my-fn[:alias]`, `a:function:my-fn` -> `my-fn`. */
function functionName(identifier) {
	let name = identifier;
	const marker = name.indexOf(':function:');
	if (marker >= 0) name = name.slice(marker + ':function:'.length);
	else if (/^\d{12}:function:/.test(name)) name = name.split(':')[2];
	return name.split(':')[0];
}

function loadHandler(name) {
	if (!NAME.test(name)) return null;
	const file = path.join(dir, `${name}.js`);
	if (!fs.existsSync(file)) return null;
	const handler = requireHandler(file).handler;
	if (typeof handler !== 'function') throw new Error(`${file} does not export a handler function`);
	return handler;
}

/** Calls `handler` the way the Node.js runtime does; resolves with its result, rejects with its error. */
function run(handler, event, context) {
	return new Promise((resolve, reject) => {
		let settled = false;
		const callback = (err, result) => {
			if (settled) return;
			settled = true;
			if (err !== undefined && err !== null) reject(err);
			else resolve(result);
		};
		context.done = callback;
		context.succeed = result => callback(null, result);
		context.fail = err => callback(err ?? new Error('context.fail() was called'));
		let returned;
		try {
			returned = handler(event, context, callback);
		} catch (err) {
			callback(err);
			return;
		}
		if (returned && typeof returned.then === 'function') {
			returned.then(result => callback(null, result), err => callback(err ?? new Error('rejected')));
		} else if (handler.length < 3) {
			callback(null, returned); // a plain synchronous handler
		}
		// else: a callback-style handler answers through `callback`
	});
}

function errorPayload(err) {
	if (err instanceof Error) {
		return {
			errorMessage: err.message,
			errorType: err.name || 'Error',
			trace: String(err.stack || '').split('\n'),
		};
	}
	return { errorMessage: typeof err === 'string' ? err : JSON.stringify(err), errorType: typeof err };
}

function send(res, status, body, headers = {}) {
	const payload = body === undefined ? '' : JSON.stringify(body);
	res.writeHead(status, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(payload),
		...headers,
	});
	res.end(payload);
}

function makeContext(name, identifier, requestId) {
	const deadline = Date.now() + TIMEOUT_MS;
	return {
		functionName: name,
		functionVersion: '$LATEST',
		invokedFunctionArn: identifier.startsWith('arn:')
			? identifier
			: `arn:aws:lambda:${opts.region}:${ACCOUNT}:function:${name}`,
		memoryLimitInMB: '128',
		awsRequestId: requestId,
		logGroupName: `/aws/lambda/${name}`,
		logStreamName: `adapter/${requestId}`,
		callbackWaitsForEmptyEventLoop: true,
		getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
	};
}

async function invoke(req, res, identifier, raw) {
	const requestId = crypto.randomUUID();
	const ids = { 'X-Amzn-RequestId': requestId };
	const name = functionName(identifier);
	let handler;
	try {
		handler = loadHandler(name);
	} catch (err) {
		log(`${name}: cannot load: ${err && err.stack}`);
		return send(res, 502, { Type: 'Service', message: `Cannot load ${name}: ${err.message}` }, {
			...ids, 'x-amzn-ErrorType': 'ServiceException',
		});
	}
	if (!handler) {
		log(`${name}: no such function in ${dir}`);
		return send(res, 404, { Type: 'User', message: `Function not found: ${identifier}` }, {
			...ids, 'x-amzn-ErrorType': 'ResourceNotFoundException',
		});
	}
	let event;
	try {
		event = raw.length ? JSON.parse(raw) : {};
	} catch (err) {
		return send(res, 400, { Type: 'User', message: `Could not parse request body into json: ${err.message}` }, {
			...ids, 'x-amzn-ErrorType': 'InvalidRequestContentException',
		});
	}
	const type = req.headers['x-amz-invocation-type'] || 'RequestResponse';
	if (type === 'DryRun') return send(res, 204, undefined, ids);
	const context = makeContext(name, identifier, requestId);
	if (type === 'Event') {
		send(res, 202, undefined, ids);
		run(handler, event, context).then(
			() => log(`${name} (Event): ok`),
			err => log(`${name} (Event): ${errorPayload(err).errorMessage}`),
		);
		return;
	}
	const headers = { ...ids, 'X-Amz-Executed-Version': '$LATEST' };
	try {
		const result = await run(handler, event, context);
		log(`${name}: ok`);
		send(res, 200, result === undefined ? null : result, headers);
	} catch (err) {
		const payload = errorPayload(err);
		log(`${name}: ${payload.errorType}: ${payload.errorMessage}`);
		send(res, 200, payload, { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
	}
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', chunk => chunks.push(chunk));
	req.on('end', () => {
		const url = new URL(req.url, 'http://127.0.0.1');
		const match = INVOKE.exec(url.pathname);
		if (req.method !== 'POST' || !match) {
			return send(res, 404, { message: `Unknown operation ${req.method} ${url.pathname}` }, {
				'x-amzn-ErrorType': 'UnknownOperationException',
			});
		}
		let identifier;
		try {
			identifier = decodeURIComponent(match[1]);
		} catch {
			identifier = match[1];
		}
		invoke(req, res, identifier, Buffer.concat(chunks).toString('utf8')).catch(err => {
			log(`internal error: ${err && err.stack}`);
			if (!res.headersSent) send(res, 500, { message: String(err) });
		});
	});
});

server.listen(Number(opts.port), '127.0.0.1', () => {
	process.stdout.write(`lambda adapter listening on http://127.0.0.1:${server.address().port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
	process.on(signal, () => {
		server.close();
		process.exit(0);
	});
}
