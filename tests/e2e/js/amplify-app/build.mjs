// Bundles app.js with esbuild into <outdir>/app.bundle.js (beside a copy of index.html).
//   node js/amplify-app/build.mjs <outdir> '<config JSON>'
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [outdir, configJson] = process.argv.slice(2);
fs.mkdirSync(outdir, { recursive: true });
await esbuild.build({
	entryPoints: [path.join(here, 'app.js')],
	bundle: true,
	format: 'iife',
	platform: 'browser',
	target: 'chrome120',
	outfile: path.join(outdir, 'app.bundle.js'),
	define: { __COGNATE_CONFIG__: JSON.stringify(JSON.parse(configJson)), global: 'globalThis' },
	logLevel: 'warning',
});
fs.copyFileSync(path.join(here, 'index.html'), path.join(outdir, 'index.html'));
