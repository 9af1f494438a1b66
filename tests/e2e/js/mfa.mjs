// Drives amazon-cognito-identity-js through multi-factor sign-ins against Cognate, for the Python
// end-to-end tests (tests/e2e/test_mfa_js.py). Modelled on srp.mjs; the difference is that the MFA
// callbacks ask the Python side for the code (which it reads from the SMS sink or computes from a
// TOTP secret) in the middle of the run, because the sign-in session lives in this process:
//
//   stdout  {"prompt": "<callback>", "challengeName", "challengeParameters", "secretCode"?}
//   stdin   {"code": "123456"} | {"answer": "SOFTWARE_TOKEN_MFA"} | {"stop": true}
//
//   node mfa.mjs '<json>'
//
// The argument is srp.mjs's: {"endpoint", "userPoolId", "clientId", "storageFile"?, "timeoutMs"?, "steps"}.
// Steps run in order on one "current" CognitoUser; the run stops after the first step that fails
// unless that step has "continueOnError": true.
//   {"op": "authenticate", "username", "password", "deviceName"?}
//       authenticateUser(...) with the callbacks an application writes:
//         totpRequired(name, params)   -> prompt "totpRequired"  -> sendMFACode(code, this, 'SOFTWARE_TOKEN_MFA')
//         mfaRequired(name, params)    -> prompt "mfaRequired"   -> sendMFACode(code, this)   (SMS_MFA)
//         selectMFAType(name, params)  -> prompt "selectMFAType" -> sendMFASelectionAnswer(answer, this)
//         mfaSetup(name, params)       -> associateSoftwareToken -> prompt "associateSecretCode" (with
//                                         "secretCode") -> verifySoftwareToken(code, deviceName, this)
//       A {"stop": true} reply ends the step with that callback's name (ok: false).
//   {"op": "enableTotp", "deviceName"?}   signed-in user: associateSoftwareToken -> prompt
//       "associateSecretCode" -> verifySoftwareToken(code, deviceName, {onSuccess, onFailure})
//   {"op": "setUserMfaPreference", "sms": {...}|null, "totp": {...}|null}
//   {"op": "getUserData"}       getUserData(cb, {bypassCache: true})
//   {"op": "getSession"}        a fresh userPool.getCurrentUser() (from Storage) -> getSession
//   {"op": "getDevice"}
//
// Prints (last) one JSON line: {"steps": [...], "requests": [...], "storage": {...}}, as srp.mjs.

import { loadStorage, recordFetch, errorOf, runSteps, sessionInfo, timeoutRunner } from './common.mjs';
import readline from 'node:readline';
import {
	AuthenticationDetails,
	CognitoUser,
	CognitoUserPool,
} from 'amazon-cognito-identity-js';

const args = JSON.parse(process.argv[2] || '{}');
for (const key of ['endpoint', 'userPoolId', 'clientId', 'steps']) {
	if (args[key] === undefined) {
		console.error(`mfa.mjs: missing "${key}" in the JSON argument`);
		process.exit(2);
	}
}
const STEP_TIMEOUT_MS = args.timeoutMs || 30000;

// --- Prompts: one JSON line out, one JSON line back -----------------------------------------
const input = readline.createInterface({ input: process.stdin });
const pendingLines = [];
const lineWaiters = [];
let inputClosed = false;
input.on('line', line => {
	if (lineWaiters.length) lineWaiters.shift()(line);
	else pendingLines.push(line);
});
input.on('close', () => {
	inputClosed = true;
	while (lineWaiters.length) lineWaiters.shift()(null);
});

function nextLine() {
	if (pendingLines.length) return Promise.resolve(pendingLines.shift());
	if (inputClosed) return Promise.resolve(null);
	return new Promise(resolve => lineWaiters.push(resolve));
}

async function ask(prompt) {
	process.stdout.write(`${JSON.stringify(prompt)}\n`);
	const line = await nextLine();
	if (line == null) return { stop: true };
	try {
		return JSON.parse(line);
	} catch {
		return { stop: true, unparsable: line };
	}
}

// --- Storage, traffic recording and result helpers (common.mjs) -----------------------------
const storage = loadStorage(args.storageFile);
const requests = recordFetch();
const withTimeout = timeoutRunner(STEP_TIMEOUT_MS);
const pool = new CognitoUserPool({
	UserPoolId: args.userPoolId,
	ClientId: args.clientId,
	endpoint: args.endpoint,
	Storage: storage,
});

let user = null;

function authenticate(step) {
	return withTimeout(step.op, finish => {
		user = new CognitoUser({ Username: step.username, Pool: pool, Storage: storage });
		const details = new AuthenticationDetails({ Username: step.username, Password: step.password });
		const via = [];
		const deviceName = step.deviceName || 'phone';
		const fail = (callback, extra = {}) => finish({ ok: false, callback, via, username: user.getUsername(), ...extra });
		const guard = promise => promise.catch(err => fail('threw', { error: errorOf(err), stack: err && err.stack }));

		const callbacks = {
			onSuccess(session, userConfirmationNecessary) {
				finish({
					ok: true,
					callback: 'onSuccess',
					via,
					userConfirmationNecessary: userConfirmationNecessary ?? null,
					username: user.getUsername(),
					deviceKey: user.deviceKey ?? null,
					deviceGroupKey: user.deviceGroupKey ?? null,
					session: sessionInfo(session),
				});
			},
			onFailure(err) {
				fail('onFailure', { error: errorOf(err) });
			},
			newPasswordRequired(userAttributes, requiredAttributes) {
				fail('newPasswordRequired', { userAttributes, requiredAttributes });
			},
			totpRequired(challengeName, challengeParameters) {
				guard((async () => {
					const reply = await ask({ prompt: 'totpRequired', challengeName, challengeParameters });
					via.push({ callback: 'totpRequired', challengeName, challengeParameters, reply });
					if (reply.stop || reply.code === undefined) return fail('totpRequired', { challengeName, challengeParameters });
					user.sendMFACode(reply.code, callbacks, 'SOFTWARE_TOKEN_MFA');
					return undefined;
				})());
			},
			mfaRequired(challengeName, challengeParameters) {
				guard((async () => {
					const reply = await ask({ prompt: 'mfaRequired', challengeName, challengeParameters });
					via.push({ callback: 'mfaRequired', challengeName, challengeParameters, reply });
					if (reply.stop || reply.code === undefined) return fail('mfaRequired', { challengeName, challengeParameters });
					user.sendMFACode(reply.code, callbacks);
					return undefined;
				})());
			},
			selectMFAType(challengeName, challengeParameters) {
				guard((async () => {
					const reply = await ask({ prompt: 'selectMFAType', challengeName, challengeParameters });
					via.push({ callback: 'selectMFAType', challengeName, challengeParameters, reply });
					if (reply.stop || reply.answer === undefined) return fail('selectMFAType', { challengeName, challengeParameters });
					user.sendMFASelectionAnswer(reply.answer, callbacks);
					return undefined;
				})());
			},
			mfaSetup(challengeName, challengeParameters) {
				via.push({ callback: 'mfaSetup', challengeName, challengeParameters });
				user.associateSoftwareToken({
					associateSecretCode(secretCode) {
						guard((async () => {
							const reply = await ask({ prompt: 'associateSecretCode', challengeName, challengeParameters, secretCode });
							via.push({ callback: 'associateSecretCode', secretCode, reply });
							if (reply.stop || reply.code === undefined) return fail('associateSecretCode', { secretCode });
							// In the MFA_SETUP session, verifySoftwareToken also answers MFA_SETUP and
							// calls onSuccess(session) with the tokens.
							user.verifySoftwareToken(reply.code, deviceName, callbacks);
							return undefined;
						})());
					},
					onFailure(err) {
						fail('associateSoftwareToken.onFailure', { error: errorOf(err) });
					},
				});
			},
			customChallenge(challengeParameters) {
				fail('customChallenge', { challengeParameters });
			},
		};
		user.authenticateUser(details, callbacks);
	});
}

function requireUser(finish) {
	if (user) return true;
	finish({ ok: false, callback: 'none', error: { code: 'NoUser', name: 'NoUser', message: 'no authenticated user in this run' } });
	return false;
}

const ops = {
	authenticate,

	enableTotp(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			const via = [];
			user.associateSoftwareToken({
				associateSecretCode(secretCode) {
					(async () => {
						const reply = await ask({ prompt: 'associateSecretCode', secretCode });
						via.push({ callback: 'associateSecretCode', secretCode, reply });
						if (reply.stop || reply.code === undefined) return finish({ ok: false, callback: 'associateSecretCode', via, secretCode });
						user.verifySoftwareToken(reply.code, step.deviceName || 'phone', {
							onSuccess: data => finish({ ok: true, callback: 'onSuccess', via, secretCode, data }),
							onFailure: err => finish({ ok: false, callback: 'onFailure', via, secretCode, error: errorOf(err) }),
						});
						return undefined;
					})().catch(err => finish({ ok: false, callback: 'threw', error: errorOf(err) }));
				},
				onFailure(err) {
					finish({ ok: false, callback: 'associateSoftwareToken.onFailure', via, error: errorOf(err) });
				},
			});
		});
	},

	setUserMfaPreference(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			user.setUserMfaPreference(step.sms ?? null, step.totp ?? null, (err, data) => {
				if (err) finish({ ok: false, callback: 'callback(err)', error: errorOf(err) });
				else finish({ ok: true, callback: 'callback(null, data)', data });
			});
		});
	},

	getUserData(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			user.getUserData((err, data) => {
				if (err) finish({ ok: false, callback: 'callback(err)', error: errorOf(err) });
				else finish({ ok: true, callback: 'callback(null, data)', data });
			}, { bypassCache: true });
		});
	},

	getSession(step) {
		return withTimeout(step.op, finish => {
			const current = pool.getCurrentUser();
			if (!current) {
				finish({ ok: false, callback: 'getCurrentUser', error: { code: 'NoCurrentUser', name: 'NoCurrentUser', message: 'pool.getCurrentUser() returned null' } });
				return;
			}
			current.getSession((err, session) => {
				if (err) finish({ ok: false, callback: 'callback(err)', error: errorOf(err) });
				else finish({ ok: true, callback: 'callback(null, session)', username: current.getUsername(), session: sessionInfo(session) });
			});
		});
	},

	getDevice(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			user.getDevice({
				onSuccess: data => finish({ ok: true, callback: 'onSuccess', data }),
				onFailure: err => finish({ ok: false, callback: 'onFailure', error: errorOf(err) }),
			});
		});
	},
};

await runSteps('mfa.mjs', args, ops, storage, requests);
