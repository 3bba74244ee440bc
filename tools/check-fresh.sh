#!/bin/sh
# make check-fresh: the README's two commands on a Debian 12 root that has
# none of their packages.  A minimal root (debootstrap --variant=minbase,
# plus make) is made once and kept as build/fresh-base.tar.gz; each command
# then gets a root of its own, unpacked from it, with a clean clone of HEAD
# at /work/lmskit and ../shared beside it, and runs there under chroot
# (proc, sys, dev mounted for it, unmounted again whatever happens).
# Prints each command's result and time.  Needs root; loopback only, plus
# the Debian mirror that apt uses.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "check-fresh: run as root (debootstrap, chroot)" >&2; exit 2; }
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
BASE=build/fresh-base.tar.gz
WORK=$(pwd)/build/fresh
SHARED=${FRESH_SHARED:-../shared}
COMMANDS=${FRESH_COMMANDS:-demo test}

# Fails unless nothing is mounted under directory $1 (a root about to be
# archived or removed must hold only its own files).
nothing_mounted_under() {
  if awk -v d="$1/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "check-fresh: something is still mounted under $1; not touching it" >&2
    exit 1
  fi
}

if [ ! -f "$BASE" ]; then
  sh tools/deps.sh debootstrap
  mkdir -p "$WORK"
  [ -d "$WORK/base" ] && nothing_mounted_under "$WORK/base" && rm -rf "$WORK/base"
  mkdir -p "$WORK/base"
  debootstrap --variant=minbase --include=make bookworm "$WORK/base" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; exit 1; }
  # debootstrap may leave the root's /proc mounted
  for m in dev/pts dev sys proc; do umount -l "$WORK/base/$m" 2>/dev/null || true; done
  nothing_mounted_under "$WORK/base"
  tar -C "$WORK/base" --one-file-system -czf "$BASE.part" . && mv "$BASE.part" "$BASE"
  rm -rf "$WORK/base"
fi

mounted=""
# Unmounts what this script mounted (innermost first).
unmount_all() {
  for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
  mounted=""
}
trap unmount_all EXIT INT TERM

status=0
for cmd in $COMMANDS; do
  root="$WORK/$cmd"
  [ -d "$root" ] && nothing_mounted_under "$root" && rm -rf "$root"
  mkdir -p "$root"
  tar -C "$root" -xzf "$BASE"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mkdir -p "$root/work"
  git clone -q . "$root/work/lmskit"
  cp -r "$SHARED" "$root/work/shared"
  for m in proc sys dev dev/pts; do
    mount --bind "/$m" "$root/$m"
    mounted="$root/$m $mounted"
  done
  start=$(date +%s)
  if chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=true \
       sh -c "cd /work/lmskit && make $cmd" > "$WORK/$cmd.log" 2>&1; then
    result=passed
  else
    result=FAILED; status=1
    tail -30 "$WORK/$cmd.log"
  fi
  unmount_all
  echo "check-fresh: make $cmd $result in $(( $(date +%s) - start )) s on a fresh Debian 12 root ($WORK/$cmd.log)"
  grep -E '^specs: ' "$WORK/$cmd.log" || true
done
exit $status
