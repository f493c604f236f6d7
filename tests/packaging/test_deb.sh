#!/usr/bin/env bash
# Builds the Debian package with CPack, unpacks it into a temporary root and
# runs the installed `hescape` from there; checks the desktop entry, icon and
# declared dependencies.
# usage: test_deb.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

dpkg-deb -x "$deb" "$work/root"
version=$("$work/root/usr/bin/hescape" --version)
echo "installed hescape says: $version"
[[ "$version" == hescape\ * ]] || { echo "FAIL: unexpected --version output"; exit 1; }
"$work/root/usr/bin/hescape-studio" --version | grep -q '^hescape-studio ' || { echo "FAIL: hescape-studio --version"; exit 1; }
"$work/root/usr/bin/hescape" info "$work/root/usr/share/hescape-studio/demo/her2st/C3.tiff" | grep -q 'format: generic-tiff' \
  || { echo "FAIL: installed hescape cannot read the installed demo slide"; exit 1; }

for f in usr/share/applications/hescape-studio.desktop \
         usr/share/icons/hicolor/scalable/apps/hescape-studio.svg \
         usr/share/metainfo/org.hescape.Studio.metainfo.xml; do
  [ -s "$work/root/$f" ] || { echo "FAIL: $f missing from the package"; exit 1; }
done
grep -q '^Exec=hescape-studio' "$work/root/usr/share/applications/hescape-studio.desktop"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for need in libopenslide0 qt6-qpa-plugins libqt6widgets6; do
  [[ "$depends" == *"$need"* ]] || { echo "FAIL: Depends lacks $need"; exit 1; }
done
echo "PASS: package installs and runs"
