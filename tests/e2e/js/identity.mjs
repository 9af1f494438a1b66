// Drives Amplify v6 (aws-amplify) in Node against a Cognate user pool AND identity pool, for
// tests/e2e/test_identity_credentials.py:
//
//   Amplify.configure({ Auth: { Cognito: { userPoolId, userPoolClientId, identityPoolId,
//     userPoolEndpoint, identityPoolEndpoint, allowGuestAccess: true } } })
//
//   node identity.mjs '<json>'
//
// The argument:
//   {
//     "endpoint": "http://127.0.0.1:PORT",     // userPoolEndpoint and identityPoolEndpoint
//     "userPoolId": "...", "clientId": "...", "identityPoolId": "...",
//     "timeoutMs": 30000,                       // optional: per step
//     "steps": [ {"op": ..., ...}, ... ]
//   }
//
// Steps (the run stops after the first failing step unless it has "continueOnError": true):
//   {"op": "signIn", "username", "password"}     signIn({username, password})
//   {"op": "fetchAuthSession", "forceRefresh"?}  fetchAuthSession(): identityId, credentials,
//                                                tokens (false without a signed-in user)
//   {"op": "signOut"}                            signOut()
//
// Prints one JSON line: {"steps": [...], "requests": [...], "storage": {}}, as amplify.mjs does;
// "requests" lists the HTTP calls Amplify made (target, url, body, status, response).

import { errorOf, JsonStorage, recordFetch, runSteps } from './common.mjs';

const args = JSON.parse(process.argv[2] || '{}');
for (const key of ['endpoint', 'userPoolId', 'clientId', 'identityPoolId', 'steps']) {
	if (args[key] === undefined) {
		console.error(`identity.mjs: missing "${key}" in the JSON argument`);
		process.exit(2);
	}
}
const STEP_TIMEOUT_MS = args.timeoutMs || 30000;

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

Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: args.userPoolId,
			userPoolClientId: args.clientId,
			identityPoolId: args.identityPoolId,
			userPoolEndpoint: args.endpoint,
			identityPoolEndpoint: args.endpoint,
			allowGuestAccess: true,
		},
	},
});

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
			const c = session.credentials;
			if (!c) throw new Error('fetchAuthSession returned no credentials');
			return {
				identityId: session.identityId ?? null,
				credentials: {
					accessKeyId: c.accessKeyId,
					secretAccessKey: c.secretAccessKey,
					sessionToken: c.sessionToken,
					expiration: c.expiration ? new Date(c.expiration).toISOString() : null,
				},
				tokens: session.tokens ? { idTokenPayload: session.tokens.idToken?.payload ?? null } : false,
				userSub: session.userSub ?? null,
			};
		}),
	signOut: () =>
		attempt(async () => {
			await auth.signOut();
			return {};
		}),
};

await runSteps('identity.mjs', args, ops, new JsonStorage(), requests);
