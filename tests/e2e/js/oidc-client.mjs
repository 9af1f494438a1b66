// openid-client (the certified relying party, v6 API) against a Cognate user pool, printing a JSON
// report for test_openid_client.py.
//
//   node js/oidc-client.mjs '{"issuer": "http://127.0.0.1:PORT/us-east-1_XXX", "clientId": "...",
//     "clientSecret": "..."?, "auth": "none" | "basic" | "post", "flow": "code" | "client_credentials",
//     "redirectUri": "...", "scope": "...", "username": "...", "password": "..."}'
//
// flow "code": discovery; authorization code with PKCE S256, state and nonce, the browser's part
// done with fetch (redirects followed by hand to the sign-in page, its CSRF token and form action
// read from the HTML, the form posted with the page's cookies); the ID token validated by the
// library; userinfo; refresh; revocation of the refresh token and a refresh after it.
// flow "client_credentials": discovery and clientCredentialsGrant with the scope.
// Every request the library made is in `requests` ({method, url, basic, bodyKeys, status}).
import * as client from 'openid-client';

const args = JSON.parse(process.argv[2] || '{}');
const out = { ok: false, requests: [] };

function clientAuth() {
	switch (args.auth) {
		case 'basic':
			return client.ClientSecretBasic(args.clientSecret);
		case 'post':
			return client.ClientSecretPost(args.clientSecret);
		default:
			return client.None();
	}
}

/** The library's fetch, recording how each request authenticated the client. */
async function recordingFetch(url, options) {
	const body = options.body instanceof URLSearchParams ? options.body : null;
	const headers = new Headers(options.headers);
	const entry = {
		method: options.method,
		url: String(url),
		basic: (headers.get('authorization') || '').startsWith('Basic '),
		bodyKeys: body ? [...body.keys()].sort() : [],
	};
	out.requests.push(entry);
	const response = await fetch(url, options);
	entry.status = response.status;
	return response;
}

function errorOf(e) {
	return { name: e.name, code: e.code ?? null, error: e.error ?? null, status: e.status ?? null, message: e.message };
}

/** Cookie jar of one host, enough for the hosted UI's session and CSRF cookies. */
class Jar {
	constructor() {
		this.cookies = new Map();
	}
	take(response) {
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const at = pair.indexOf('=');
			this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
		}
	}
	header() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}
}

/** HTML attribute text to its value (the pages escape `&`, quotes, `<`, `>` and `/`). */
const unescape = (s) =>
	s
		.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
		.replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&');

/** The user's browser: authorize -> sign-in page -> form post -> the redirect to the client. */
async function browserSignIn(authorizationUrl) {
	const jar = new Jar();
	const get = async (target) => {
		const r = await fetch(target, { redirect: 'manual', headers: { cookie: jar.header() } });
		jar.take(r);
		return r;
	};
	const authorize = await get(authorizationUrl);
	if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
	const loginUrl = new URL(authorize.headers.get('location'), authorizationUrl);
	const page = await get(loginUrl);
	const html = await page.text();
	if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}: ${html}`);
	const csrf = /name="_csrf" value="([^"]*)"/.exec(html);
	const action = /<form method="post" action="([^"]*)"/.exec(html);
	if (!csrf || !action) throw new Error(`no sign-in form: ${html}`);
	const form = new URLSearchParams({ _csrf: unescape(csrf[1]), username: args.username, password: args.password });
	const posted = await fetch(new URL(unescape(action[1]), loginUrl), {
		method: 'POST',
		redirect: 'manual',
		headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
		body: form,
	});
	jar.take(posted);
	if (posted.status !== 302) throw new Error(`the sign-in form answered ${posted.status}: ${await posted.text()}`);
	return { callback: new URL(posted.headers.get('location')), loginUrl: loginUrl.href };
}

async function codeFlow(config) {
	const verifier = client.randomPKCECodeVerifier();
	const state = client.randomState();
	const nonce = client.randomNonce();
	const authorizationUrl = client.buildAuthorizationUrl(config, {
		redirect_uri: args.redirectUri,
		scope: args.scope,
		code_challenge: await client.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
		state,
		nonce,
	});
	out.authorizationUrl = authorizationUrl.href;
	const { callback, loginUrl } = await browserSignIn(authorizationUrl);
	out.loginUrl = loginUrl;
	out.callback = callback.href;

	const tokens = await client.authorizationCodeGrant(config, callback, {
		pkceCodeVerifier: verifier,
		expectedState: state,
		expectedNonce: nonce,
		idTokenExpected: true,
	});
	const claims = tokens.claims();
	out.nonce = nonce;
	out.tokens = { ...tokens };
	out.claims = claims;
	out.expiresIn = tokens.expiresIn();

	const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
	out.userinfo = { ...info };

	const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
	out.refreshed = { ...refreshed };
	out.refreshedClaims = refreshed.claims() ?? null;

	await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
	out.revoked = true;
	try {
		await client.refreshTokenGrant(config, tokens.refresh_token);
		out.afterRevocation = { refreshed: true };
	} catch (e) {
		out.afterRevocation = errorOf(e);
	}
}

try {
	const config = await client.discovery(new URL(args.issuer), args.clientId, args.clientSecret, clientAuth(), {
		execute: [client.allowInsecureRequests],
		[client.customFetch]: recordingFetch,
	});
	const meta = config.serverMetadata();
	out.metadata = { ...meta };
	out.supportsPKCE = meta.supportsPKCE();
	if (args.flow === 'client_credentials') {
		const tokens = await client.clientCredentialsGrant(config, { scope: args.scope });
		out.tokens = { ...tokens };
	} else {
		await codeFlow(config);
	}
	out.ok = true;
} catch (e) {
	out.error = errorOf(e);
	out.error.stack = e.stack;
	if (e.cause) out.error.cause = String(e.cause?.message ?? e.cause);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
