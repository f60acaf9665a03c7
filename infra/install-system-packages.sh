#!/usr/bin/env bash
# Debian packages the tests and reports need: Redis (the Celery broker of `assay stack up
# --cluster`), Mosquitto (the MQTT source is tested against a real broker), a CJK font (Chinese text in charts and PDF reports) and chromium with its
# chromedriver (the steward console's browser tests; no browser is downloaded at run time).
# Installs only what is missing; without root it says what to install instead.
set -euo pipefail
wanted=(redis-server mosquitto fonts-wqy-microhei chromium chromium-driver)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}. Fix: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
