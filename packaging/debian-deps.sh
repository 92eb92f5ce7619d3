#!/usr/bin/env bash
# Make sure the Debian libraries Qt needs are present.
#   debian-deps.sh offscreen   libraries for Qt's offscreen platform (tests)
#   debian-deps.sh window      plus what a real X11 window and Xvfb need
#   debian-deps.sh postgres    PostgreSQL's server, which the tests start on 127.0.0.1
#   debian-deps.sh desktop     the desktop-entry, MIME and AppStream tools the tests use
#   debian-deps.sh bundle      what PyInstaller runs on Linux (strip, objdump)
# As root, missing packages are installed with apt-get; otherwise the exact command is printed.
set -euo pipefail

offscreen=(libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0
           libxkbcommon0)
window=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
        libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1
        libxkbcommon-x11-0)

postgres=(postgresql)
desktop=(desktop-file-utils appstream shared-mime-info)
bundle=(binutils)

case "${1:-offscreen}" in
  offscreen) wanted=("${offscreen[@]}") ;;
  window) wanted=("${offscreen[@]}" "${window[@]}") ;;
  postgres) wanted=("${postgres[@]}") ;;
  desktop) wanted=("${desktop[@]}") ;;
  bundle) wanted=("${bundle[@]}") ;;
  *) echo "debian-deps: unknown group $1" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "debian-deps: not a Debian-like system; install Qt 6's runtime libraries yourself" >&2
  exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "debian-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "debian-deps: refman needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
