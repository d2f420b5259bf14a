#!/usr/bin/env bash
# Installs the Debian packages the tests and the benchmark need, when missing:
# dpkg-dev (apt-get source), universal-ctags and GNU Global (recall reference and benchmark peers),
# time (peak RSS), and what the editor tests need (chromium, a compiler and libkrb5-dev for code-server's native modules).
set -euo pipefail
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "setup-system: need root for: $*" >&2; return 1; fi; }
need=()
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v xz >/dev/null || need+=(xz-utils)
{ command -v ctags >/dev/null && ctags --version 2>/dev/null | grep -q 'Universal Ctags'; } || need+=(universal-ctags)
command -v gtags >/dev/null || need+=(global)
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v g++ >/dev/null || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_ apt-get update -qq >&2
  sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
