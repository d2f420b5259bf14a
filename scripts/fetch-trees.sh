#!/usr/bin/env bash
# Installs the real Xen, QEMU and Linux trees the tests and the benchmark read,
# from Debian source packages, into a cache outside the repository.
# Reuses what is already unpacked. Prints the three tree roots as KEY=path lines.
#   IRQLENS_TREES   cache folder (default: ~/.cache/irqlens/trees)
#   IRQLENS_XEN, IRQLENS_QEMU, IRQLENS_LINUX   existing trees to use instead
set -euo pipefail
cache=${IRQLENS_TREES:-${XDG_CACHE_HOME:-$HOME/.cache}/irqlens/trees}
mkdir -p "$cache"
cd "$cache"
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# deb-src: copy the machine's own "Types: deb" stanzas as "Types: deb-src".
ensure_deb_src() {
  if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then return; fi
  local src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    awk 'BEGIN{RS="";ORS="\n\n"} /^Types: deb([ \n]|$)/ {sub(/^Types: deb/,"Types: deb-src"); print}' "$src" \
      | sudo_ tee /etc/apt/sources.list.d/irqlens-deb-src.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | sudo_ tee /etc/apt/sources.list.d/irqlens-deb-src.list >/dev/null
  fi
  apt_updated=
}
apt_updated=
apt_update() { [ -n "$apt_updated" ] || { sudo_ apt-get update -qq >&2; apt_updated=1; }; }

find_dir() { find "$cache" -maxdepth 1 -mindepth 1 -type d -name "$1" | sort | tail -n 1; }

fetch_source() { # $1 package, $2 dir glob
  local d; d=$(find_dir "$2")
  if [ -z "$d" ] || [ ! -f "$d/.irqlens-complete" ]; then
    ensure_deb_src; apt_update
    # The newest version listed may not be served (seen: a security-suite xen
    # answering 404), so try each listed version, newest first.
    local v ok=
    for v in $(apt-cache showsrc "$1" | awk -v pkg="$1" '/^Package: /{p=$2} /^Version: /{if (p==pkg) print $2}' | sort -rV | uniq); do
      if (cd "$cache" && apt-get source -qq --only-source "$1=$v" >&2); then ok=1; break; fi
      echo "fetch-trees: $1 $v could not be fetched, trying an older version" >&2
    done
    [ -n "$ok" ] || { echo "fetch-trees: no version of $1 could be fetched" >&2; exit 1; }
    d=$(find_dir "$2"); touch "$d/.irqlens-complete"
  fi
  echo "$d"
}

if [ -n "${IRQLENS_XEN:-}" ]; then xen=$IRQLENS_XEN; else xen=$(fetch_source xen 'xen-[0-9]*') || exit 1; fi
if [ -n "${IRQLENS_QEMU:-}" ]; then qemu=$IRQLENS_QEMU; else qemu=$(fetch_source qemu 'qemu-[0-9]*') || exit 1; fi
if [ -n "${IRQLENS_LINUX:-}" ]; then linux=$IRQLENS_LINUX; else
  linux=$(find_dir 'linux-source-6.1*')
  if [ -z "$linux" ] || [ ! -f "$linux/.irqlens-complete" ]; then
    apt_update
    rm -f linux-source-6.1_*.deb
    apt-get download -qq linux-source-6.1 >&2
    deb=$(ls linux-source-6.1_*.deb | tail -n 1)
    rm -rf deb-extract && mkdir deb-extract && dpkg-deb -x "$deb" deb-extract
    tarball=$(ls deb-extract/usr/src/linux-source-6.1*.tar.* | head -n 1)
    tar -xf "$tarball"
    rm -rf deb-extract "$deb"
    linux=$(find_dir 'linux-source-6.1*'); touch "$linux/.irqlens-complete"
  fi
fi
echo "XEN=$xen"
echo "QEMU=$qemu"
echo "LINUX=$linux"
