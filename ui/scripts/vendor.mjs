// Copies the graph library's ES-module build into the API's static folder, so the page needs no npm
// at run time. Run after `npm ci` whenever package.json changes the cytoscape version; commit the result.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, '..', '..', 'kgplatform', 'api', 'ui', 'vendor');
// The package's exports map hides package.json, so find it by its place in node_modules.
const pkgDir = join(here, '..', 'node_modules', 'cytoscape');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;

mkdirSync(vendor, { recursive: true });
// .js, not .mjs: every static server knows .js as JavaScript, and module scripts need that type.
copyFileSync(join(pkgDir, 'dist', 'cytoscape.esm.min.mjs'), join(vendor, 'cytoscape.esm.min.js'));
copyFileSync(join(pkgDir, 'LICENSE'), join(vendor, 'cytoscape.LICENSE'));
writeFileSync(join(vendor, 'VERSIONS.txt'), `cytoscape ${version} (dist/cytoscape.esm.min.mjs)\n`);
console.log(`vendored cytoscape ${version} into ${vendor}`);
