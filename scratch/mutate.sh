#!/bin/bash
# usage: mutate.sh file python-replace-old python-replace-new label
cd /work/wt/emspeed
f=$1; label=$4
cp $f /tmp/emspeed/mut.bak
python3 - "$f" "$2" "$3" <<'PY' || exit 1
import sys
p,old,new=sys.argv[1:4]
s=open(p).read()
assert old in s, 'mutation anchor missing'
open(p,'w').write(s.replace(old,new,1))
PY
timeout 900 pnpm vitest run test/entity-manager/block-view.test.ts 2>&1 | grep -E "✓|×|FAIL|AssertionError|expected|Tests" | head -12 > /tmp/emspeed/mut-$label.txt
cp /tmp/emspeed/mut.bak $f
