#!/usr/bin/env bash
# First README command: installs what is needed, builds, and opens
# HEScape Studio on the bundled demo slide (HER2+ breast cancer, section C3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec build/release/app/studio/hescape-studio "$@" resources/demo/her2st/C3.tiff
