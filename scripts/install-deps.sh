#!/usr/bin/env bash
# Install what building and testing ipctrace needs, on Debian 12 / Ubuntu,
# only when something is missing (so it is quick and needs no network then).
set -euo pipefail

# libgraphviz-dev: -f svg is drawn by Graphviz's libraries (libgvc and its
# plugins, in libgvc6), not by the `dot` program, so `graphviz` is not needed.
pkgs=(make gcc clang libbpf-dev libelf-dev zlib1g-dev libcriterion-dev libjson-c-dev pkg-config
      libgraphviz-dev)
# groff-base (groff) and man-db (man): make install-test renders the man page.
pkgs+=(groff-base man-db)
# libmicrohttpd-dev: --prometheus's HTTP server; prometheus and curl: its
# integration test scrapes it with a real Prometheus (run as a child, not
# the system service).  Prometheus is installed without its recommended
# exporters (node-exporter and friends): only its binary is used.
pkgs+=(libmicrohttpd-dev curl)
lean=(prometheus)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
missing_lean=()
for p in "${lean[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing_lean+=("$p")
done
# bpftool is its own package on Debian; on Ubuntu it comes with linux-tools.
if ! command -v bpftool >/dev/null 2>&1 && ! [ -x /usr/sbin/bpftool ]; then
	missing+=(bpftool)
fi
# libgvc finds its layout plugins through a file libgvc6's install writes;
# an install that skipped that step (a trimmed image) has to write it.
if [ -x /usr/sbin/libgvc6-config-update ] && [ "$(id -u)" -eq 0 ] &&
   ! compgen -G '/usr/lib/*/graphviz/config*' >/dev/null; then
	/usr/sbin/libgvc6-config-update -c
fi
[ ${#missing[@]} -eq 0 ] && [ ${#missing_lean[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} ${missing_lean[*]}; run this as root" \
		"(sudo make ...)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]} ${missing_lean[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing_lean[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing_lean[@]}" >/dev/null
fi
if [ ${#missing[@]} -gt 0 ] && ! apt-get install -y -qq "${missing[@]}" >/dev/null; then
	# Ubuntu has no 'bpftool' package: it lives in linux-tools-<kernel>.
	rest=("${missing[@]/bpftool/}")
	apt-get install -y -qq ${rest[@]+"${rest[@]}"} linux-tools-common "linux-tools-$(uname -r)" >/dev/null
fi
