#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser test (chromedp drives
# it headless); installs it with apt when missing. Used by `make test` and .ci/run.
set -euo pipefail

# The console and the what-if report print Chinese (sources of edits, names): a CJK font
# makes the screenshots readable. Without one the tests still pass.
if ! fc-list :lang=zh 2>/dev/null | grep -q . && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1 ||
    echo "could not install a CJK font (fonts-wqy-zenhei); screenshots will show boxes for Chinese" >&2
fi
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  exit 0
fi
echo "Chromium is not installed; installing Debian's chromium for the browser test" >&2
if [ "$(id -u)" != 0 ]; then
  echo "need root to install chromium (apt-get install chromium), which the console test needs" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null
