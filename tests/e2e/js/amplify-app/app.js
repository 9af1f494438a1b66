// A minimal browser app for Cognate's hosted UI: Amplify v6's signInWithRedirect and signOut.
// build.mjs bundles it with the configuration baked in as __COGNATE_CONFIG__.
import { Amplify } from 'aws-amplify';
import 'aws-amplify/auth/enable-oauth-listener';
import { fetchAuthSession, getCurrentUser, signInWithRedirect, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

// eslint-disable-next-line no-undef
const config = __COGNATE_CONFIG__;
Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: config.userPoolId,
			userPoolClientId: config.userPoolClientId,
			userPoolEndpoint: config.userPoolEndpoint,
			loginWith: {
				oauth: {
					domain: config.domain,
					scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
					redirectSignIn: [config.appUrl],
					redirectSignOut: [config.appUrl],
					responseType: 'code',
				},
			},
		},
	},
});

const result = document.getElementById('result');
const events = [];
Hub.listen('auth', ({ payload }) => {
	events.push(payload.event);
	if (payload.event === 'signInWithRedirect_failure') {
		events.push(String(payload.data?.error?.message ?? payload.data));
	}
});

async function show() {
	const state = { events };
	try {
		const user = await getCurrentUser();
		const session = await fetchAuthSession();
		state.signedIn = true;
		state.username = user.username;
		state.userId = user.userId;
		state.idTokenUsername = session.tokens?.idToken?.payload?.['cognito:username'] ?? null;
		state.accessTokenScope = session.tokens?.accessToken?.payload?.scope ?? null;
		state.accessToken = session.tokens?.accessToken?.toString() ?? null;
	} catch (e) {
		state.signedIn = false;
		state.error = `${e.name}: ${e.message}`;
	}
	result.textContent = JSON.stringify(state);
	result.dataset.ready = 'true';
}

document.getElementById('signin').addEventListener('click', () => {
	signInWithRedirect().catch((e) => {
		result.textContent = JSON.stringify({ signInError: `${e.name}: ${e.message}` });
	});
});
document.getElementById('signout').addEventListener('click', () => {
	signOut().catch((e) => {
		result.textContent = JSON.stringify({ signOutError: `${e.name}: ${e.message}` });
	});
});

// With ?code= in the URL the listener is exchanging it; give it a moment to finish first.
const returning = new URLSearchParams(location.search).has('code');
setTimeout(show, returning ? 1500 : 0);
