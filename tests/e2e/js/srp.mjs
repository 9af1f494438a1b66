// Drives amazon-cognito-identity-js against Cognate the way an application does, for the
// Python end-to-end tests (tests/e2e/test_srp_js.py, test_devices.py).
//
//   node srp.mjs '<json>'
//
// The argument:
//   {
//     "endpoint": "http://127.0.0.1:PORT/",   // CognitoUserPool({endpoint})
//     "userPoolId": "...", "clientId": "...",
//     "storageFile": "/tmp/x.json",          // optional: Storage content loaded at start, saved at exit
//     "timeoutMs": 30000,                     // optional: per step
//     "steps": [ {"op": ..., ...}, ... ]
//   }
//
// Steps run in order on one "current" CognitoUser; the run stops after the first step that
// fails unless that step has "continueOnError": true.
//   {"op": "authenticate", "username", "password", "newPassword"?, "requiredAttributes"?,
//    "flow"?, "answers"?}
//       cognitoUser.authenticateUser(new AuthenticationDetails(...), {onSuccess, onFailure,
//       newPasswordRequired, mfaRequired, totpRequired, customChallenge, ...}); on
//       newPasswordRequired with a "newPassword" it calls completeNewPasswordChallenge(newPassword,
//       requiredAttributes, this). "flow": "CUSTOM_AUTH" sets setAuthenticationFlowType (SRP
//       first, then custom challenges); each customChallenge is answered with the next of
//       "answers" through sendCustomChallengeAnswer(answer, this).
//   {"op": "initiateAuth", "username", "answers"}
//       CUSTOM_AUTH without a password: cognitoUser.initiateAuth(new AuthenticationDetails(...),
//       {onSuccess, onFailure, customChallenge}), answering as above.
//   {"op": "getSession"}       a fresh userPool.getCurrentUser() (from Storage) -> getSession
//   {"op": "refreshSession"}   current user's refreshSession(session.getRefreshToken())
//   {"op": "setDeviceStatusRemembered"} | {"op": "setDeviceStatusNotRemembered"}
//   {"op": "getDevice"} | {"op": "listDevices", "limit": 10} | {"op": "forgetDevice"}
//   {"op": "getUserAttributes"}
//
// Prints one JSON line: {"steps": [...], "requests": [...], "storage": {...}}. Every step
// result has "op", "ok", "callback" (the library callback that fired) and, on failure,
// "error": {"code", "name", "message"}. "requests" lists every HTTP call the library made
// (X-Amz-Target operation, request body, status, response body).

import { loadStorage, recordFetch, errorOf, runSteps, sessionInfo, timeoutRunner } from './common.mjs';
import {
	AuthenticationDetails,
	CognitoUser,
	CognitoUserPool,
} from 'amazon-cognito-identity-js';

const args = JSON.parse(process.argv[2] || '{}');
for (const key of ['endpoint', 'userPoolId', 'clientId', 'steps']) {
	if (args[key] === undefined) {
		console.error(`srp.mjs: missing "${key}" in the JSON argument`);
		process.exit(2);
	}
}
const STEP_TIMEOUT_MS = args.timeoutMs || 30000;

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

// Node-style (err, data) callback -> step result.
const nodeCallback = (finish, map = x => ({ data: x })) => (err, data) => {
	if (err) finish({ ok: false, callback: 'callback(err)', error: errorOf(err) });
	else finish({ ok: true, callback: 'callback(null, data)', ...map(data) });
};

// {onSuccess, onFailure} callback map -> step result.
const successFailure = finish => ({
	onSuccess: data => finish({ ok: true, callback: 'onSuccess', data }),
	onFailure: err => finish({ ok: false, callback: 'onFailure', error: errorOf(err) }),
});

let user = null;

function authenticate(step) {
	return withTimeout(step.op, finish => {
		user = new CognitoUser({ Username: step.username, Pool: pool, Storage: storage });
		if (step.flow) user.setAuthenticationFlowType(step.flow);
		const details = new AuthenticationDetails({ Username: step.username, Password: step.password });
		const via = [];
		const answers = [...(step.answers || [])];
		const fail = (callback, extra = {}) => finish({ ok: false, callback, via, username: user.getUsername(), ...extra });
		user.authenticateUser(details, {
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
				via.push({ callback: 'newPasswordRequired', userAttributes, requiredAttributes });
				if (step.newPassword === undefined) return fail('newPasswordRequired', { userAttributes, requiredAttributes });
				// As the library's documentation shows it: the read-only attributes are dropped
				// and the same callback map (`this`) continues the sign-in.
				user.completeNewPasswordChallenge(step.newPassword, step.requiredAttributes || {}, this);
				return undefined;
			},
			mfaRequired(challengeName, challengeParameters) {
				fail('mfaRequired', { challengeName, challengeParameters });
			},
			totpRequired(challengeName, challengeParameters) {
				fail('totpRequired', { challengeName, challengeParameters });
			},
			selectMFAType(challengeName, challengeParameters) {
				fail('selectMFAType', { challengeName, challengeParameters });
			},
			mfaSetup(challengeName, challengeParameters) {
				fail('mfaSetup', { challengeName, challengeParameters });
			},
			customChallenge(challengeParameters) {
				via.push({ callback: 'customChallenge', challengeParameters });
				if (!answers.length) return fail('customChallenge', { challengeParameters });
				user.sendCustomChallengeAnswer(answers.shift(), this);
				return undefined;
			},
		});
	});
}

// CUSTOM_AUTH with no password, as passwordless applications start it.
function initiateAuth(step) {
	return withTimeout(step.op, finish => {
		user = new CognitoUser({ Username: step.username, Pool: pool, Storage: storage });
		user.setAuthenticationFlowType('CUSTOM_AUTH');
		const via = [];
		const answers = [...(step.answers || [])];
		user.initiateAuth(new AuthenticationDetails({ Username: step.username }), {
			onSuccess(session) {
				finish({ ok: true, callback: 'onSuccess', via, username: user.getUsername(), session: sessionInfo(session) });
			},
			onFailure(err) {
				finish({ ok: false, callback: 'onFailure', via, error: errorOf(err) });
			},
			customChallenge(challengeParameters) {
				via.push({ callback: 'customChallenge', challengeParameters });
				if (!answers.length) {
					finish({ ok: false, callback: 'customChallenge', via, challengeParameters });
					return;
				}
				user.sendCustomChallengeAnswer(answers.shift(), this);
			},
		});
	});
}

function requireUser(finish) {
	if (user) return true;
	finish({ ok: false, callback: 'none', error: { code: 'NoUser', name: 'NoUser', message: 'no authenticated user in this run' } });
	return false;
}

const ops = {
	authenticate,
	initiateAuth,

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

	refreshSession(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			const session = user.getSignInUserSession();
			user.refreshSession(session.getRefreshToken(), (err, fresh) => {
				if (err) finish({ ok: false, callback: 'callback(err)', error: errorOf(err) });
				else finish({ ok: true, callback: 'callback(null, session)', session: sessionInfo(fresh) });
			});
		});
	},

	setDeviceStatusRemembered(step) {
		return withTimeout(step.op, finish => requireUser(finish) && user.setDeviceStatusRemembered(successFailure(finish)));
	},

	setDeviceStatusNotRemembered(step) {
		return withTimeout(step.op, finish => requireUser(finish) && user.setDeviceStatusNotRemembered(successFailure(finish)));
	},

	getDevice(step) {
		return withTimeout(step.op, finish => requireUser(finish) && user.getDevice(successFailure(finish)));
	},

	listDevices(step) {
		return withTimeout(step.op, finish => requireUser(finish) && user.listDevices(step.limit ?? 10, step.paginationToken ?? null, successFailure(finish)));
	},

	forgetDevice(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			const deviceKey = user.deviceKey ?? null;
			user.forgetDevice({
				onSuccess: data => finish({ ok: true, callback: 'onSuccess', data, deviceKey }),
				onFailure: err => finish({ ok: false, callback: 'onFailure', error: errorOf(err), deviceKey }),
			});
		});
	},

	getUserAttributes(step) {
		return withTimeout(step.op, finish => {
			if (!requireUser(finish)) return;
			user.getUserAttributes(
				nodeCallback(finish, attributes => ({ attributes: Object.fromEntries((attributes || []).map(a => [a.getName(), a.getValue()])) }))
			);
		});
	},
};

await runSteps('srp.mjs', args, ops, storage, requests);
