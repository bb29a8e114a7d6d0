#!/bin/bash
cd /work/wt/emspeed
out=/tmp/emspeed/seeds2; mkdir -p $out
db=$1
for s in 1 7 42; do pnpm -s sim --seed $s --blocks 300 --hostile 0.1 $( [ "$db" = postgres ] && echo --db postgres ) > $out/$db-$s.txt 2>&1; echo "exit $?" >> $out/$db-$s.txt; done
echo done > $out/DONE-$db
