#!/usr/bin/env bash
# Installs the two system programs the tests use, when they are missing:
# Graphviz `dot` (plot_model's graphviz engine) and Chromium (browser tests).
# Needs root and apt-get; elsewhere it says what is missing and the tests that
# need it are skipped (CI sets LENET_WIDGETS_STRICT_TESTS=1, turning skips into failures).
set -u
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" fonts-dejavu-core >/dev/null
else
  echo "note: ${missing[*]} not installed (sudo apt-get install ${missing[*]}); tests needing them will be skipped"
fi
exit 0
