import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of an encrypting data converter, loaded by path (the workflow bundle
 * includes it): a failure's message and stack trace travel in an encoded payload, which the
 * codec encrypts, instead of in plain text beside it.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
