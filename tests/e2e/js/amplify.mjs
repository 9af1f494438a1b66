// Drives Amplify v6 (aws-amplify) in Node against Cognate exactly as the README's snippet shows,
// for tests/e2e/test_readme_clients.py:
//
//   Amplify.configure({ Auth: { Cognito: { userPoolId, userPoolClientId, userPoolEndpoint } } })
//
//   node amplify.mjs '<json>'
//
// The argument:
//   {
//     "endpoint": "http://127.0.0.1:PORT",     // userPoolEndpoint
//     "userPoolId": "...", "clientId": "...",
//     "timeoutMs": 30000,                       // optional: per step
//     "steps": [ {"op": ..., ...}, ... ]
//   }
//
// Steps (the run stops after the first failing step unless it has "continueOnError": true):
//   {"op": "signIn", "username", "password"}     signIn({username, password})
//   {"op": "fetchAuthSession", "forceRefresh"?}  fetchAuthSession({forceRefresh}): the tokens
//   {"op": "getCurrentUser"}                     getCurrentUser()
//   {"op": "fetchUserAttributes"}                fetchUserAttributes() (GetUser)
//   {"op": "signOut", "global"?}                 signOut({global})
//
// Amplify keeps its tokens in window.localStorage when there is one; Node has none, so Amplify
// falls back to its in-memory storage, which lives as long as this process: every step of one
// run shares it. Prints one JSON line: {"steps": [...], "requests": [...], "storage": {}}, as
// srp.mjs does; "requests" lists the HTTP calls Amplify made (X-Amz-Target, body, status,
// response).

import { errorOf, JsonStorage, recordFetch, runSteps } from './common.mjs';

const args = JSON.parse(process.argv[2] || '{}');
for (const key of ['endpoint', 'userPoolId', 'clientId', 'steps']) {
	if (args[key] === undefined) {
		console.error(`amplify.mjs: missing "${key}" in the JSON argument`);
		process.exit(2);
	}
}
const STEP_TIMEOUT_MS = args.timeoutMs || 30000;

// Recorded before Amplify loads, so the library's own fetch calls go through the recorder.
// Amplify writes its headers in lower case, which recordFetch does not read: name the
// operation of each recorded call here.
const requests = recordFetch();
const recorded = globalThis.fetch;
globalThis.fetch = (url, options = {}) => {
	const index = requests.length;
	const answer = recorded(url, options);
	const target = new Headers(options.headers || {}).get('x-amz-target');
	if (requests[index] && target) requests[index].target = target.split('.').pop();
	return answer;
};
const { Amplify } = await import('aws-amplify');
const auth = await import('aws-amplify/auth');

// The README's snippet, with the test server's values.
Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: args.userPoolId,
			userPoolClientId: args.clientId,
			userPoolEndpoint: args.endpoint,
		},
	},
});

function tokenInfo(token) {
	return token ? { jwt: token.toString(), payload: token.payload } : null;
}

async function attempt(run) {
	let timer;
	const timeout = new Promise(resolve => {
		timer = setTimeout(
			() => resolve({ ok: false, error: { code: 'Timeout', name: 'Timeout', message: `no answer within ${STEP_TIMEOUT_MS} ms` } }),
			STEP_TIMEOUT_MS
		);
	});
	const work = (async () => {
		try {
			return { ok: true, ...(await run()) };
		} catch (err) {
			return { ok: false, error: errorOf(err), stack: err && err.stack };
		}
	})();
	const result = await Promise.race([work, timeout]);
	clearTimeout(timer);
	return result;
}

const ops = {
	signIn: step =>
		attempt(async () => {
			const out = await auth.signIn({ username: step.username, password: step.password });
			return { isSignedIn: out.isSignedIn, nextStep: out.nextStep };
		}),
	fetchAuthSession: step =>
		attempt(async () => {
			const session = await auth.fetchAuthSession({ forceRefresh: Boolean(step.forceRefresh) });
			return {
				idToken: tokenInfo(session.tokens?.idToken),
				accessToken: tokenInfo(session.tokens?.accessToken),
				userSub: session.userSub ?? null,
			};
		}),
	getCurrentUser: () => attempt(async () => ({ user: await auth.getCurrentUser() })),
	fetchUserAttributes: () => attempt(async () => ({ attributes: await auth.fetchUserAttributes() })),
	signOut: step =>
		attempt(async () => {
			await auth.signOut({ global: Boolean(step.global) });
			return {};
		}),
};

await runSteps('amplify.mjs', args, ops, new JsonStorage(), requests);
