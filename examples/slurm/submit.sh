#!/bin/bash
# Queues the shards, then the merge step once every shard has finished.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs
array=$(sbatch --parsable pattern-lens-shards.sbatch)
sbatch --dependency=afterok:"$array" pattern-lens-merge.sbatch
