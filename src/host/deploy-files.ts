import path from 'node:path';
import { findProjectRoot } from './machine';

/** The folder of the server config, dynamic config and setup scripts that compose mounts too. */
export const deployDir = (root = findProjectRoot()) => path.join(root, 'deploy', 'temporal');

/** The files in {@link deployDir} both deployments use, by role. */
export const DEPLOY_FILES = {
  serverConfig: 'server.yaml',
  dynamicConfig: 'dynamicconfig.yaml',
  schemaScript: 'setup-postgres.sh',
  namespaceScript: 'setup-namespace.sh',
} as const;
