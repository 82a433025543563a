#!/usr/bin/env bash
# Install the peer tools the benchmark compares against into bench/.peers/ (git-ignored).
# Needs Node.js + npm for the markdownlint CLIs; the Python peers go into their own venv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peers="$here/.peers"
mkdir -p "$peers"
python3 -m venv "$peers/venv"
"$peers/venv/bin/pip" install -q rumdl mdformat pymarkdownlnt markdown-it-py
if command -v npm >/dev/null 2>&1; then
  (cd "$peers" && npm install --silent --no-audit --no-fund --prefix "$peers/node" markdownlint-cli2 markdownlint-cli >/dev/null)
else
  echo "npm not found: markdownlint-cli2 and markdownlint-cli will be skipped" >&2
fi
echo "peers installed in $peers"
