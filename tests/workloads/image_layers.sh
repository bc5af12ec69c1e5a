#!/bin/bash
# workload image_layers: unpacking a container image the way docker/podman load does: an outer tar
# of compressed layer tars (gzip and zstd), each layer unpacked on top of a root filesystem, and
# the layers removed afterwards. The image is built first from the tree's own directories.
# usage: image_layers.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C
cd -- "$DIR"
img=$DIR/.image
mkdir -p "$img/build"
n=0
for d in src bin Documents Music; do
        [ -d "$d" ] || continue
        n=$((n + 1))
        if [ $((n % 2)) = 1 ]; then tar -czf "$img/build/layer$n.tar.gz" "$d"; else tar --zstd -cf "$img/build/layer$n.tar.zst" "$d"; fi
done
tar -cf "$img/image.tar" -C "$img/build" .
rm -rf "$img/build"
# load: unpack the outer tar, then every layer onto the rootfs, then drop the layer files
mkdir -p "$img/load" "$img/rootfs"
tar -xf "$img/image.tar" -C "$img/load"
for l in "$img"/load/layer*; do
        case $l in *.gz) tar -xzf "$l" -C "$img/rootfs" ;; *.zst) tar --zstd -xf "$l" -C "$img/rootfs" ;; esac
        rm -f -- "$l"
done
rm -f "$img/image.tar"
