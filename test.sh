#!/usr/bin/env bash
# The test suite: builds every module and runs every module's tests (conformance of each backend against the
# reference, gradient checks, golden parity, invertibility, bad inputs). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/find-jdk.sh
command -v mvn >/dev/null 2>&1 || { echo "test.sh: Maven (mvn) is required: apt-get install maven" >&2; exit 1; }
echo "test.sh: JDK $JAVA_HOME"
exec mvn -B -ntp verify "$@"
