#!/bin/sh
# tools/check-exports.sh HEADER LIB [LUA_MODULE...]: LIB exports exactly the
# functions HEADER declares with LMK_API (no more, no fewer), and each Lua
# module exports luaopen_lmskit_core and nothing else.
set -eu
header=$1 lib=$2
shift 2
tmp=${TMPDIR:-/tmp}/lmk-exports.$$
trap 'rm -f "$tmp".*' EXIT
sed -n 's/^LMK_API .*[ *]\(lmk_[a-z0-9_]*\)(.*/\1/p' "$header" | sort -u > "$tmp.declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u > "$tmp.exported"
if ! cmp -s "$tmp.declared" "$tmp.exported"; then
  echo "check-exports: $lib differs from $header (< declared only, > exported only):"
  diff "$tmp.declared" "$tmp.exported" | grep '^[<>]'
  exit 1
fi
for m in "$@"; do
  got=$(nm -D --defined-only "$m" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u | tr '\n' ' ')
  if [ "$got" != "luaopen_lmskit_core " ]; then
    echo "check-exports: $m exports: $got"; exit 1
  fi
done
echo "check-exports: $lib exports the $(wc -l < "$tmp.declared") functions of $header; $# Lua module(s) export luaopen_lmskit_core only"
