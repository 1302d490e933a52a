import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The delivery's status, kept current by the workflow at every change, so operators can filter
 * runs in the Temporal UI and CLI: `TandemStatus = "needs_attention"`.
 */
export const TandemStatus = defineSearchAttributeKey('TandemStatus', 'KEYWORD');

/** The delivery's targets: `TandemTargets = "inventory"`. */
export const TandemTargets = defineSearchAttributeKey('TandemTargets', 'KEYWORD_LIST');

/** Every custom search attribute Tandem needs registered on the namespace. */
export const TANDEM_SEARCH_ATTRIBUTES = [TandemStatus, TandemTargets];
