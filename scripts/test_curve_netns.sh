#!/usr/bin/env bash
# CURVE end to end across network namespaces: see scripts/test_multinode_netns.sh (--curve mode).
exec bash "$(dirname "${BASH_SOURCE[0]}")/test_multinode_netns.sh" --curve "$@"
