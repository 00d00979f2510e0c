#!/bin/sh
# Makes a local stand-in for the official `node:20-bookworm-slim` image, for machines that reach
# no public container registry (the image test, tools/image/image.integration.spec.ts):
# Debian's `debootstrap --variant=minbase bookworm` from the apt mirror this machine uses, plus
# this machine's Node laid out as the official image lays it out (/usr/local/bin/node, npm under
# /usr/local/lib/node_modules, headers under /usr/local/include/node, user `node` uid 1000), the
# machine's CA bundle and npm settings (/usr/local/etc/npmrc with nodedir and cafile), then
# `docker import`ed under the official name. Needs root and debootstrap. Idempotent: an existing
# image of that name is kept unless FORCE=1.
set -eu

IMAGE=node:20-bookworm-slim
[ -n "${FORCE:-}" ] || ! docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "$IMAGE exists"; exit 0; }

MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")")
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

ROOT=$(mktemp -d /tmp/tomo-base-image.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR"
# The mirror as apt sees it here, so `apt-get install` in the Dockerfile reaches it too.
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"

install -D -m 0755 "$NODE_BIN" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/lib/node_modules" "$ROOT/usr/local/include" "$ROOT/usr/local/etc"
cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
cp -a "$NODE_PREFIX/include/node" "$ROOT/usr/local/include/node"
install -D -m 0644 "$CA_BUNDLE" "$ROOT/etc/ssl/certs/ca-certificates.crt"
printf 'nodedir=/usr/local\ncafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' \
  > "$ROOT/usr/local/etc/npmrc"
chroot "$ROOT" groupadd --gid 1000 node
chroot "$ROOT" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$ROOT/var/cache/apt/archives/"*.deb "$ROOT/var/lib/apt/lists/"*

tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_VERSION=20' \
  --change 'CMD ["node"]' \
  - "$IMAGE"
echo "imported $IMAGE"
