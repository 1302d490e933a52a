#!/usr/bin/env node
// Runs the built CLI when there is one (an installed package, the Docker image), the TypeScript
// sources otherwise (a checkout; README runs those through `npm run -s tandem --`, which installs
// nothing, rather than `npx tandem`, which installs the project into npm's cache first).
const { existsSync } = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  // tsx's loader hooks both require() and import(): `tandem dev` loads its module on use.
  import('tsx').then(() => require('../src/cli/main.ts'));
}
