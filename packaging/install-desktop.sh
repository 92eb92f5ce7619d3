#!/usr/bin/env sh
# Put refman in the current user's application menu (freedesktop.org desktops: GNOME,
# KDE, Xfce ...), pointing at a built bundle, or take it out again.
#   install-desktop.sh /abs/path/to/dist/refman/refman    install (make install-desktop)
#   install-desktop.sh --uninstall                        remove (make uninstall-desktop)
# Writes under ${XDG_DATA_HOME:-~/.local/share}: applications/refman.desktop (Exec: the
# bundle), icons/hicolor/*/apps/refman.{png,svg}, mime/packages/refman.xml (the RIS and
# CSL-JSON file types) and metainfo/; then refreshes the desktop's caches when the tools
# for it are installed. Nothing outside that folder is touched.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
resources="$here/resources"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
app_id=io.github.refman.refman
sizes="16 24 32 48 64 128 256 512"

refresh() {
  if command -v update-mime-database >/dev/null 2>&1 && [ -d "$data/mime/packages" ]; then
    update-mime-database "$data/mime"
  fi
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data/applications"
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true
  fi
  # (without an index.theme the user's hicolor folder has no cache, and needs none)
}

if [ "${1:-}" = --uninstall ]; then
  rm -f "$data/applications/refman.desktop" "$data/mime/packages/refman.xml" \
        "$data/metainfo/$app_id.metainfo.xml" "$data/icons/hicolor/scalable/apps/refman.svg"
  for size in $sizes; do
    rm -f "$data/icons/hicolor/${size}x${size}/apps/refman.png"
  done
  mkdir -p "$data/applications"
  refresh
  echo "install-desktop: removed refman from the application menu ($data)"
  exit 0
fi

exe="${1:?usage: install-desktop.sh /absolute/path/to/dist/refman/refman | --uninstall}"
case "$exe" in
  /*) ;;
  *) echo "install-desktop: $exe: the path must be absolute" >&2; exit 2 ;;
esac
if [ ! -x "$exe" ]; then
  echo "install-desktop: $exe: no bundle there; run make bundle first" >&2
  exit 1
fi
case "$exe" in
  *[\"\`\$\\%]*)
    echo "install-desktop: $exe: a desktop entry cannot start a path with \", \`, \$, \\ or %;" \
         "move the bundle" >&2
    exit 1 ;;
  *[!A-Za-z0-9_./-]*) exec_path="\"$exe\"" ;;  # (spaces and the like: quoted)
  *) exec_path="$exe" ;;
esac

mkdir -p "$data/applications" "$data/mime/packages" "$data/metainfo" \
         "$data/icons/hicolor/scalable/apps"
for size in $sizes; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$resources/icons/hicolor/${size}x${size}/apps/refman.png" \
     "$data/icons/hicolor/${size}x${size}/apps/refman.png"
done
cp "$resources/icons/hicolor/scalable/apps/refman.svg" "$data/icons/hicolor/scalable/apps/refman.svg"
cp "$resources/mime/refman.xml" "$data/mime/packages/refman.xml"
cp "$resources/refman.metainfo.xml" "$data/metainfo/$app_id.metainfo.xml"

# The entry with Exec and TryExec pointing at this bundle (sed's replacement escapes & \ |).
escaped=$(printf '%s' "$exec_path" | sed -e 's/[&\\|]/\\&/g')
escaped_try=$(printf '%s' "$exe" | sed -e 's/[&\\|]/\\&/g')
tmp="$data/applications/.refman.desktop.$$"
sed -e "s|^Exec=refman |Exec=$escaped |" -e "s|^TryExec=refman\$|TryExec=$escaped_try|" \
    "$resources/refman.desktop" > "$tmp"
mv "$tmp" "$data/applications/refman.desktop"

refresh
echo "install-desktop: refman is in the application menu, starting $exe"
echo "install-desktop: (files: $data/applications/refman.desktop and the icons beside it)"
