#!/usr/bin/env bash
# The layering of user/ (docs/architecture.md), checked on the source:
#  - core/, kernel/ and output/ name no mechanism: no mechanism id
#    (MECH_PIPE...) and no include of a mech/ header; they reach the
#    mechanisms through the table of core/mech.h;
#  - output/ and the model see no BPF: no libbpf header, no kernel/ header;
#  - no two files include each other's headers, directly or in a circle.
# Prints each violation and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
say() { echo "check-layers: $*" >&2; bad=1; }

while IFS= read -r hit; do
	say "names a mechanism outside user/mech: $hit"
done < <(grep -nE '\bMECH_[A-Z_]+\b' user/core user/kernel user/output -r |
	 grep -vE '\bMECH_(ID_MAX|MAX)\b' || true)
while IFS= read -r hit; do
	say "includes a mechanism module: $hit"
done < <(grep -nE '#include "mech/' user/core user/kernel user/output -r || true)
while IFS= read -r hit; do
	say "sees the BPF side: $hit"
done < <(grep -nE '#include ("kernel/|<bpf/)' user/output user/core/model.[ch] \
	 user/core/ktab.[ch] user/core/opts.[ch] -r || true)

# Include cycles between files (a.c includes b.h, b.c includes a.h, or longer).
cycles=$(python3 - <<'PY'
import os, re
files = [os.path.join(d, f) for d, _, fs in os.walk("user") for f in fs if f.endswith((".c", ".h"))]
unit = lambda p: os.path.splitext(p)[0]
units = {unit(f) for f in files}
g = {}
for f in files:
    for inc in re.findall(r'#include\s+"([^"]+)\.h"', open(f, errors="replace").read()):
        t = os.path.join("user", inc)
        if t in units and t != unit(f):
            g.setdefault(unit(f), set()).add(t)
state, out = {}, []
def dfs(v, path):
    state[v] = 1
    for w in g.get(v, ()):
        if state.get(w) == 1:
            out.append(" -> ".join(path[path.index(w):] + [w]))
        elif w not in state:
            dfs(w, path + [w])
    state[v] = 2
for v in sorted(g):
    if v not in state:
        dfs(v, [v])
print("\n".join(out))
PY
)
[ -z "$cycles" ] || while IFS= read -r c; do say "include cycle: $c"; done <<<"$cycles"

[ $bad -eq 0 ] && echo "check-layers: ok (core, kernel and output name no mechanism; no include cycles)"
exit $bad
