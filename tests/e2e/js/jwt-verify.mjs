// Verifies Cognate tokens with aws-jwt-verify exactly as the README's snippet shows, for
// tests/e2e/test_readme_clients.py.
//
//   node jwt-verify.mjs '<json>'
//
// The argument:
//   {
//     "checks": [ {"name": "...", "issuer": "http://127.0.0.1:PORT/<poolId>",
//                  "tokenUse": "id" | "access", "clientId": "...", "token": "<JWT>"}, ... ]
//   }
//
// Prints one JSON line: {"results": [{"name", "ok": true, "payload"} |
//                                    {"name", "ok": false, "error": {"name", "message"}}, ...]}.

import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';

const args = JSON.parse(process.argv[2] || '{}');
if (!Array.isArray(args.checks)) {
	console.error('jwt-verify.mjs: missing "checks" in the JSON argument');
	process.exit(2);
}

// The README's snippet, as a function of the values it leaves to the reader.
function cognateVerifier(issuer, tokenUse, clientId) {
	return JwtVerifier.create(
		{
			issuer,
			audience: null, // ID tokens carry `aud`, access tokens `client_id`: both checked below
			jwksUri: `${issuer}/.well-known/jwks.json`,
			customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
		},
		// aws-jwt-verify's own fetcher speaks https only; this one also reads an http:// public URL.
		{
			jwksCache: new SimpleJwksCache({
				fetcher: {
					fetch: async uri => {
						const response = await fetch(uri);
						if (!response.ok) throw new Error(`${uri}: HTTP ${response.status}`);
						return response.arrayBuffer();
					},
				},
			}),
		}
	);
}

const results = [];
for (const check of args.checks) {
	try {
		const payload = await cognateVerifier(check.issuer, check.tokenUse, check.clientId).verify(check.token);
		results.push({ name: check.name, ok: true, payload });
	} catch (err) {
		results.push({ name: check.name, ok: false, error: { name: err?.constructor?.name ?? null, message: String(err?.message ?? err) } });
	}
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
process.exit(0);
