#!/usr/bin/env node
// Some registry mirrors serve only the packages of their own platform, so `npm install` there
// leaves other platforms' optional binaries (@swc/core-darwin-arm64, …) out of
// package-lock.json, and `npm ci` then calls the lock out of sync. This adds each missing
// optional package with its version and the os/cpu its name declares: `npm ci` skips it where
// it does not fit, and fetches it by name and version where it does. Run after `npm install`.
const fs = require('node:fs');

const CPUS = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];
const OSES = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openbsd', 'netbsd', 'sunos'];

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [where, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${where === '' ? '' : `${where}/`}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((part) => OSES.includes(part));
    const cpu = parts.find((part) => CPUS.includes(part));
    packages[`node_modules/${name}`] = {
      version: version.replace(/^[\^~=]/, ''),
      optional: true,
      ...(os && { os: [os] }),
      ...(cpu && { cpu: [cpu] }),
    };
    added++;
  }
}
fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} optional platform package(s)`);
