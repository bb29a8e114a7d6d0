#!/bin/bash
out=/tmp/emspeed/bench
mkdir -p $out
for args in "--only em-heavy" "--only mainnet-like" "--live-only"; do
  for v in new base; do
    dir=/work/wt/emspeed; [ $v = base ] && dir=/tmp/emspeed/base
    name=$(echo "$args" | tr -d ' -')
    { echo "uptime before: $(uptime)"; (cd $dir && npx tsx bench/run.ts --quick $args 2>&1); echo "uptime after: $(uptime)"; } > $out/$v-$name.txt
  done
done
echo done > $out/DONE
