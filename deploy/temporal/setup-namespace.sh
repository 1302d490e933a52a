#!/bin/sh
# Creates the namespace Tandem uses and registers its custom search attributes
# (TANDEM_SEARCH_ATTRIBUTES: Name=Type pairs), skipping what exists. Safe to run again.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${TANDEM_SEARCH_ATTRIBUTES:?}"

until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"
  sleep 1
done

if ! temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace create --namespace "$NAMESPACE" --retention 7d --address "$TEMPORAL_ADDRESS"
fi
# A new namespace takes a moment to reach every frontend's cache.
until temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  sleep 1
done

for attribute in $TANDEM_SEARCH_ATTRIBUTES; do
  name="${attribute%%=*}"
  type="${attribute#*=}"
  if temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" --address "$TEMPORAL_ADDRESS"
  fi
done
echo "namespace $NAMESPACE is ready for Tandem"
