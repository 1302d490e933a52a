import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

/**
 * The delivery's status, kept current by the workflow at every change, so operators can filter
 * runs in the Temporal UI and CLI: `TandemStatus = "needs_attention"`.
 */
export const TandemStatus = defineSearchAttributeKey('TandemStatus', 'KEYWORD');

/** The delivery's targets: `TandemTargets = "inventory"`. */
export const TandemTargets = defineSearchAttributeKey('TandemTargets', 'KEYWORD_LIST');

/**
 * The delivery's legs held from attempting, as `"<target>:<hold>"` (see `holds.ts`), kept
 * current by the workflow: `TandemHolds = "shipping:paused"`. Absent or empty: none is held.
 */
export const TandemHolds = defineSearchAttributeKey('TandemHolds', 'KEYWORD_LIST');

/** Every custom search attribute Tandem needs registered on the namespace. */
export const TANDEM_SEARCH_ATTRIBUTES = [TandemStatus, TandemTargets, TandemHolds];

/** A search attribute's type as the Temporal CLI and the server's API name it (`KeywordList`). */
export function searchType(key: { type: SearchAttributeType }): string {
  return (
    (
      { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int' } as Partial<
        Record<SearchAttributeType, string>
      >
    )[key.type] ?? key.type
  );
}
