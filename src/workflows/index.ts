// The workflow bundle's entry point: every workflow type the worker registers.
export { delivery } from './delivery';
export { targetController } from './target-controller';
