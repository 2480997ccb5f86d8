#!/usr/bin/env bash
# Builds the Debian package duwtje_<version>_<arch>.deb from this checkout, for servers without a
# Swift toolchain: the release binary with the Swift runtime linked in (--static-swift-stdlib), the
# systemd unit, the configuration as a conffile, the example rules, and the maintainer scripts.
#
#   scripts/build-deb.sh [OUTPUT_DIR]        # default OUTPUT_DIR: the checkout; prints the .deb's path last
#
# Needs: the Swift toolchain, libyaml-dev, libsqlite3-dev, dpkg-dev (dpkg-shlibdeps), git.
# Environment: DUWTJE_DEB_SCRATCH (build directory, default .build-deb), DEBFULLNAME/DEBEMAIL
# (the Maintainer field, default the git identity).
#
# Version: VERSION holds the release (0.1.0). Built from a commit tagged v<VERSION> the package is
# <VERSION>; otherwise <VERSION>+git<commits>.g<hash> (so later commits sort later for apt); a
# checkout with uncommitted changes adds .dirty. `duwtje --version` prints the same version and the
# full commit: they are linked in as one small object file (see Sources/CBuildInfo), so a new
# commit relinks the binary instead of recompiling it, and a plain `swift build` still works
# (it prints "dev").
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$PWD
OUTPUT=$(realpath -m "${1:-$CHECKOUT}")
SCRATCH=$(realpath -m "${DUWTJE_DEB_SCRATCH:-$CHECKOUT/.build-deb}")
umask 022

say() { echo "build-deb: $*" >&2; }
fail() { say "error: $*"; exit 1; }

for tool in swift git dpkg-deb dpkg-shlibdeps ldd cc strip; do
  command -v "$tool" >/dev/null || fail "$tool not found (dpkg-shlibdeps is in dpkg-dev)"
done

# --- version and commit ---------------------------------------------------------------------
BASE_VERSION=$(tr -d ' \n' <VERSION)
[[ $BASE_VERSION =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || fail "VERSION '$BASE_VERSION' is not a Debian upstream version"
COMMIT=$(git rev-parse HEAD)
DIRTY=""
git diff --quiet HEAD -- 2>/dev/null || DIRTY=".dirty"
if [ "$(git describe --tags --exact-match HEAD 2>/dev/null || true)" = "v$BASE_VERSION" ] && [ -z "$DIRTY" ]; then
  VERSION=$BASE_VERSION
else
  VERSION="$BASE_VERSION+git$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)$DIRTY"
fi
ARCH=$(dpkg --print-architecture)
PACKAGE="duwtje_${VERSION}_${ARCH}.deb"
say "version $VERSION, commit $COMMIT${DIRTY:+ (with uncommitted changes)}"

# --- the binary -------------------------------------------------------------------------------
# The version object's name carries its contents' hash: a changed version is a changed link
# command, which is what makes SwiftPM relink.
mkdir -p "$SCRATCH/build-info"
INFO_C="$SCRATCH/build-info/build-info.c"
printf 'const char duwtje_build_version[] = "%s";\nconst char duwtje_build_commit[] = "%s";\n' \
  "$VERSION" "$COMMIT${DIRTY:+-dirty}" >"$INFO_C"
INFO_O="$SCRATCH/build-info/build-info-$(sha256sum "$INFO_C" | cut -c1-12).o"
[ -f "$INFO_O" ] || cc -c -fPIC -O2 -o "$INFO_O" "$INFO_C"

# Full RELRO and immediate binding, as Debian's hardening flags give C programs.
SWIFT_FLAGS=(-c release --static-swift-stdlib --scratch-path "$SCRATCH" --product duwtje
  -Xlinker "$INFO_O" -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
say "swift build ${SWIFT_FLAGS[*]}"
swift build "${SWIFT_FLAGS[@]}" >&2
BUILT="$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)/duwtje"
[ -x "$BUILT" ] || fail "no binary at $BUILT"

# --- staging ----------------------------------------------------------------------------------
STAGE="$SCRATCH/stage"
rm -rf "$STAGE"
install -d "$STAGE/DEBIAN" "$STAGE/usr/bin" "$STAGE/lib/systemd/system" "$STAGE/etc/duwtje" \
  "$STAGE/usr/share/duwtje" "$STAGE/usr/share/doc/duwtje"
install -m 0755 "$BUILT" "$STAGE/usr/bin/duwtje"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/duwtje"
"$STAGE/usr/bin/duwtje" --version | grep -qF "$COMMIT" \
  || fail "the staged binary does not report commit $COMMIT: $("$STAGE/usr/bin/duwtje" --version 2>&1)"
install -m 0644 Config/duwtje.service "$STAGE/lib/systemd/system/duwtje.service"
install -m 0644 packaging/duwtje.yaml "$STAGE/etc/duwtje/duwtje.yaml"
# The example rules: postinst copies them to /etc/duwtje/rules on a first install.
cp -R Rules "$STAGE/usr/share/duwtje/rules"
find "$STAGE/usr/share/duwtje/rules" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
install -m 0644 docs/api.md docs/rules.md "$STAGE/usr/share/doc/duwtje/"
install -m 0644 packaging/copyright "$STAGE/usr/share/doc/duwtje/copyright"
install -d "$STAGE/usr/share/man/man1"
gzip -9n <packaging/duwtje.1 >"$STAGE/usr/share/man/man1/duwtje.1.gz"
chmod 0644 "$STAGE/usr/share/man/man1/duwtje.1.gz"
# A native package's changelog: one entry for this build.
MAINTAINER="${DEBFULLNAME:-$(git config user.name || echo Duwtje)} <${DEBEMAIL:-$(git config user.email || echo duwtje@localhost)}>"
{
  echo "duwtje ($VERSION) unstable; urgency=medium"
  echo
  echo "  * Built from commit $COMMIT"
  [ -z "$DIRTY" ] || echo "    with uncommitted changes."
  echo "    The changes themselves: git log in the Duwtje repository."
  echo
  echo " -- $MAINTAINER  $(date -R -u -d "@$(git log -1 --format=%ct)")"
} | gzip -9n >"$STAGE/usr/share/doc/duwtje/changelog.gz"
chmod 0644 "$STAGE/usr/share/doc/duwtje/changelog.gz"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$STAGE/DEBIAN/"
echo /etc/duwtje/duwtje.yaml >"$STAGE/DEBIAN/conffiles"

# --- the unit as systemd reads it ---------------------------------------------------------------
# `systemd-analyze verify` must print nothing. It checks that ExecStart exists, so it runs as if
# the package were installed: in a private mount namespace with the staged binary overlaid on
# /usr/bin (needs root; skipped otherwise). scripts/test-systemd.sh checks it again installed.
if [ "$(id -u)" = 0 ] && command -v systemd-analyze >/dev/null && command -v unshare >/dev/null; then
  OVERLAY="$SCRATCH/verify" && rm -rf "$OVERLAY" && mkdir -p "$OVERLAY/upper" "$OVERLAY/work"
  cp "$STAGE/usr/bin/duwtje" "$OVERLAY/upper/duwtje"
  VERIFY=$(unshare -m sh -c 'mount --make-rprivate / && mount -t overlay overlay -o "lowerdir=/usr/bin,upperdir=$1/upper,workdir=$1/work" /usr/bin && systemd-analyze verify "$2"' \
    sh "$OVERLAY" "$STAGE/lib/systemd/system/duwtje.service" 2>&1) || true
  rm -rf "$OVERLAY"
  [ -z "$VERIFY" ] || fail "systemd-analyze verify duwtje.service: $VERIFY"
  say "systemd-analyze verify duwtje.service: nothing to say"
else
  say "systemd-analyze verify skipped (needs root and unshare)"
fi

# --- Depends: exactly the shared libraries ldd shows ------------------------------------------
# ldd names the libraries; dpkg -S the packages that ship them; dpkg-shlibdeps (from the symbols
# files) the oldest versions that have the symbols the binary uses. The two must name the same
# packages, or the package would promise a library it does not load or miss one it does.
package_of() {
  local lib=$1 candidate real
  real=$(readlink -f "$lib")
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    dpkg -S "$candidate" 2>/dev/null | awk -F: 'NR == 1 { print $1 }' | grep . && return 0
  done
  fail "no package ships $lib (ldd of the binary)"
}
mapfile -t LIBRARIES < <(ldd "$STAGE/usr/bin/duwtje" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
LDD_PACKAGES=$(for lib in "${LIBRARIES[@]}"; do package_of "$lib"; done | sort -u | tr '\n' ' ')
SHLIBDEPS_DIR="$SCRATCH/shlibdeps"
rm -rf "$SHLIBDEPS_DIR" && mkdir -p "$SHLIBDEPS_DIR/debian"
printf 'Source: duwtje\n\nPackage: duwtje\nArchitecture: any\n' >"$SHLIBDEPS_DIR/debian/control"
SHLIBS=$(cd "$SHLIBDEPS_DIR" && dpkg-shlibdeps -O "$STAGE/usr/bin/duwtje" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
SHLIBS_PACKAGES=$(echo "$SHLIBS" | tr ',' '\n' | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$LDD_PACKAGES" = "$SHLIBS_PACKAGES" ] \
  || fail "ldd's libraries come from [$LDD_PACKAGES] but dpkg-shlibdeps says [$SHLIBS_PACKAGES]"
# adduser: postinst creates the service user with it.
DEPENDS="adduser, $SHLIBS"
say "ldd: ${LIBRARIES[*]}"
say "Depends: $DEPENDS"

# --- control, checksums, the package ------------------------------------------------------------
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: duwtje
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_SIZE
Depends: $DEPENDS
Section: web
Priority: optional
Description: rule-based content recommendations and nudges for municipal websites
 Duwtje answers a website's backend, over HTTP on a Unix socket, with the
 content to recommend and the nudges to show on a page of a citizen's
 journey, each with the reason why. The rules are YAML files kept by the
 web team; nudges are capped per visitor and dismissals are respected, and
 nothing personal is stored.
 .
 This package runs it as a systemd service under its own user: the
 configuration in /etc/duwtje, the rules in /etc/duwtje/rules (an example
 set on first install), the socket /run/duwtje/duwtje.sock for the group
 www-data and the event store in /var/lib/duwtje.
EOF
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles" "$STAGE/DEBIAN/md5sums"

mkdir -p "$OUTPUT"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUTPUT/$PACKAGE" >&2
say "$(du -h "$OUTPUT/$PACKAGE" | cut -f1) $OUTPUT/$PACKAGE"
echo "$OUTPUT/$PACKAGE"
