// An upstream OpenID Provider for the federation tests: oidc-provider (OpenID Certified) on
// http://127.0.0.1:<random port>, with its own RS256 key, discovery and JWKS, and a sign-in that
// a `requests` session can drive without a browser.
//
//   node js/upstream-oidc.mjs '<json config>'      (or the JSON in env UPSTREAM_OIDC_CONFIG)
//
// Config: {"clients": [{"client_id", "client_secret", "redirect_uris": [...],
//                       "token_endpoint_auth_method"?: "client_secret_basic" | "client_secret_post"}],
//          "names"?: {"<account>": "<name>"}}
// oidc-provider accepts a client's secret by either method whatever the client registered.
//
// Prints `upstream ready http://127.0.0.1:PORT` (the issuer) on stdout once listening; exits on
// SIGTERM, SIGINT or when its standard input closes (so it never outlives the test process).
//
// Sign-in (interactions.url is /interaction/<uid>):
//   GET  /interaction/<uid>?account=ID   finishes the interaction as account ID (login + consent
//                                        of every requested scope and claim)
//   GET  /interaction/<uid>?decision=deny  refuses: the client gets error=access_denied
//   GET  /interaction/<uid>              a small form; POST it back with account=ID, or with
//                                        decision=deny to refuse
// Either way the answer is a 303 to /auth/<uid> (oidc-provider's resume), which redirects to the
// client's redirect_uri with code (or error), state and iss.
//
// Accounts: every id exists; claims sub = id, email = <id>@upstream.test, email_verified = true,
// name = names[id] (default "Name of <id>"). In the ID token (conformIdTokenClaims false) and at
// userinfo, per scope (email: email, email_verified; profile: name).
//
// Control:
//   POST /control/name {"account", "name"}   changes what `name` says from now on
//   GET  /control/log                        [{"endpoint": "token"|"userinfo", "method", "auth",
//                                              "client_id", "status"}...]: how the relying party
//                                            called (auth: client_secret_basic | client_secret_post
//                                            | bearer | query | none)
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || process.env.UPSTREAM_OIDC_CONFIG || '{}');
const names = new Map(Object.entries(config.names || {}));
const log = [];

const jwk = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
jwk.kid = crypto.randomBytes(8).toString('hex');
jwk.alg = 'RS256';
jwk.use = 'sig';

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(res, status, body, type = 'application/json') {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function claimsOf(id) {
	return {
		sub: id,
		email: `${id}@upstream.test`,
		email_verified: true,
		name: names.get(id) ?? `Name of ${id}`,
	};
}

async function finish(provider, req, res, fields) {
	const details = await provider.interactionDetails(req, res);
	if (fields.decision === 'deny') {
		await provider.interactionFinished(req, res, {
			error: 'access_denied', error_description: 'End-User aborted interaction',
		}, { mergeWithLastSubmission: false });
		return;
	}
	const accountId = fields.account || details.params.login_hint;
	if (!accountId) {
		send(res, 400, { error: 'account is required' });
		return;
	}
	const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
	if (details.params.scope) {
		grant.addOIDCScope(details.params.scope);
	}
	const missing = details.prompt.details || {};
	if (missing.missingOIDCClaims) {
		grant.addOIDCClaims(missing.missingOIDCClaims);
	}
	for (const [indicator, scope] of Object.entries(missing.missingResourceScopes || {})) {
		grant.addResourceScope(indicator, scope.join(' '));
	}
	const grantId = await grant.save();
	await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
		{ mergeWithLastSubmission: false });
}

// Records how the relying party called the token and userinfo endpoints (after oidc-provider
// has parsed the request, so a form-posted client_secret is seen too).
async function record(ctx, next) {
	await next();
	const route = ctx.oidc?.route;
	if (route !== 'token' && route !== 'userinfo') return;
	const header = ctx.headers.authorization || '';
	const body = ctx.oidc.body || {};
	let auth = 'none';
	if (/^basic /i.test(header)) auth = 'client_secret_basic';
	else if (body.client_secret) auth = 'client_secret_post';
	else if (/^bearer /i.test(header)) auth = 'bearer';
	else if (ctx.query.access_token || body.access_token) auth = 'query';
	log.push({
		endpoint: route, method: ctx.method, auth, client_id: ctx.oidc.client?.clientId ?? null, status: ctx.status,
	});
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
	const issuer = `http://127.0.0.1:${server.address().port}`;
	const provider = new Provider(issuer, {
		clients: (config.clients || []).map((c) => ({
			client_id: c.client_id,
			client_secret: c.client_secret,
			redirect_uris: c.redirect_uris,
			response_types: ['code'],
			grant_types: ['authorization_code', 'refresh_token'],
			token_endpoint_auth_method: c.token_endpoint_auth_method || 'client_secret_post',
		})),
		jwks: { keys: [jwk] },
		cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
		claims: {
			openid: ['sub'],
			email: ['email', 'email_verified'],
			profile: ['name'],
		},
		conformIdTokenClaims: false,
		pkce: { required: () => false },
		features: { devInteractions: { enabled: false } },
		interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
		async findAccount(ctx, id) {
			return { accountId: id, claims: async () => claimsOf(id) };
		},
	});
	provider.use(record);
	const callback = provider.callback();

	server.on('request', async (req, res) => {
		try {
			const url = new URL(req.url, issuer);
			let match;
			if (url.pathname === '/control/name' && req.method === 'POST') {
				const body = JSON.parse(await readBody(req));
				names.set(body.account, body.name);
				send(res, 200, { account: body.account, name: body.name });
			} else if (url.pathname === '/control/log' && req.method === 'GET') {
				send(res, 200, log);
			} else if ((match = url.pathname.match(/^\/interaction\/([^/]+)$/))) {
				let fields = Object.fromEntries(url.searchParams);
				if (req.method === 'POST') {
					fields = { ...fields, ...Object.fromEntries(new URLSearchParams(await readBody(req))) };
				}
				if (req.method === 'GET' && !fields.account && !fields.decision) {
					const details = await provider.interactionDetails(req, res);
					const action = `/interaction/${escapeHtml(match[1])}`;
					send(res, 200, `<!doctype html><title>Upstream sign-in</title>
<p>Sign in to ${escapeHtml(details.params.client_id)}</p>
<form method="post" action="${action}"><input name="account" value="${escapeHtml(details.params.login_hint || '')}">
<button name="decision" value="allow">Sign in</button><button name="decision" value="deny">Refuse</button></form>`,
					'text/html; charset=utf-8');
				} else {
					await finish(provider, req, res, fields);
				}
			} else {
				callback(req, res);
			}
		} catch (err) {
			if (!res.headersSent) send(res, 500, { error: 'upstream_stand_in_error', message: String(err?.message || err) });
		}
	});

	process.stdout.write(`upstream ready ${issuer}\n`);
});

const stop = () => {
	server.close();
	process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
