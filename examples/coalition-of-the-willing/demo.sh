#!/usr/bin/env bash
# The main job on a fresh SQLite database: register the sources, import the log, show it and check it.
# Usage: demo.sh [WORKDIR]   (`make demo` passes a new temporary directory)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
workdir="${1:-$(mktemp -d -t dtl-demo-XXXXXX)}"
mkdir -p "$workdir"
export DTL_DATABASE_URL="sqlite:///$workdir/timeline.db"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "Demo database: $workdir/timeline.db"
step dtl init
step dtl import "$here/sources.jsonl"
step dtl import "$here/events.jsonl"
step dtl source list
step dtl log --stream ukraine-coalition
step dtl verify
if dtl --help | grep -q '^  state'; then
    step dtl state --as-of 2025-03-12
    step dtl state --as-of 2025-03-17
    step dtl count --series
    step dtl diff 2025-03-12 2025-03-17
fi
cat <<MSG

The quotes stay unverified until the articles' texts are attached (they are not shipped):
  DTL_DATABASE_URL=$DTL_DATABASE_URL dtl source attach ft-2025-03-10 PATH/TO/000_20e7820ea15acb11.txt
  DTL_DATABASE_URL=$DTL_DATABASE_URL dtl source attach ft-2025-03-17 PATH/TO/002_bb8b0bda6ea5c74b.txt

Explore the log in a browser: serve it (reads open to this machine only), then open
http://127.0.0.1:8000/?as_of=2025-03-17
  dtl --db $DTL_DATABASE_URL serve --public-read
MSG
