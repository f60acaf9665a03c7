#!/usr/bin/env bash
# Says which system tool the local stack needs and how to get it, before anything long starts.
set -euo pipefail
missing=0
need() {
  local cmd=$1 why=$2 fix=$3
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "missing: $cmd ($why). Fix: $fix" >&2
    missing=1
  fi
}
need python3 "runs assay" "install Python 3.11"
need java "runs the Kafka broker" "apt-get install openjdk-17-jre-headless"
need mvn "fetches the Kafka broker from Maven Central" "apt-get install maven"
need go "builds the S3 server (Versity Gateway)" "install Go 1.24+ from go.dev or apt-get install golang"
exit $missing
