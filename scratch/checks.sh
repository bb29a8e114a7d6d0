#!/bin/bash
cd /work/wt/emspeed
out=/tmp/emspeed/checks; mkdir -p $out
for s in 1 7 42; do pnpm -s sim --seed $s --blocks 300 --hostile 0.1 --db postgres > $out/pg-$s.txt 2>&1; echo "exit $?" >> $out/pg-$s.txt; done
timeout 2400 pnpm vitest run test/parity/ test/handlers/ test/indexer/run.test.ts test/indexer/index-block.test.ts test/entity-manager/ > $out/vitest.txt 2>&1; echo "exit $?" >> $out/vitest.txt
echo done > $out/DONE
