#!/usr/bin/env bash
# fedflow quickstart: installs dependencies, builds, starts a local cluster (ZooKeeper, a
# coordinator and one agent per party on loopback), uploads FATE's breast data to two parties,
# runs the seed pipeline (vertical federated logistic regression with Paillier between guest,
# host and arbiter) and FATE's golden hetero LR job, and prints their evaluation metrics and
# how to inspect them.
#
#   ./deploy/quickstart.sh            # cluster in ./.cluster, left running for you to explore
#   ./deploy/quickstart.sh --down     # stop it again afterwards
#
# FATE's modules that run: Reader, DataIO/DataTransform, Intersection (raw, rsa),
# HeteroFeatureBinning, HeteroFeatureSelection, HeteroLR, Evaluation, and the toy
# SecureAddExample (docs/COMPONENTS.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dir="$root/.cluster"
down=0
[ "${1:-}" = "--down" ] && down=1

echo "== 1/8 dependencies"
./deploy/install-deps.sh

echo "== 2/8 build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target fedflow fedflow-coordinator fedflow-agent fedflow-task

echo "== 3/8 local cluster (parties 9999, 10000, 10001)"
./deploy/cluster.sh down --dir "$dir" >/dev/null 2>&1 || true
./deploy/cluster.sh up --dir "$dir" --parties 9999,10000,10001 --cores 4
# shellcheck disable=SC1091
. "$dir/cluster.env"
build/bin/fedflow cluster status

echo "== 4/8 upload FATE's breast data (guest part: labels + 10 features; host part: 20 features)"
# Both parts go to 9999 and 10000: the seed pipeline has guest 9999 and host 10000, FATE's
# golden job the other way round.
for party in 9999 10000; do
  for part in guest host; do
    build/bin/fedflow data upload --party "$party" --file "tests/data/breast_hetero_$part.csv" \
      --namespace experiment --name "breast_hetero_$part" --head --drop
  done
done

# Runs a job to its end and sets $last_job to its id; a job that fails (or cannot be
# submitted) makes the quickstart fail at the end.
status=0
run_job() {
  local out
  last_job=""
  if ! out=$(build/bin/fedflow job submit -d "$1" -c "$2"); then
    status=1
    return
  fi
  echo "$out"
  last_job=$(echo "$out" | sed -n 's/^job_id: //p')
  build/bin/fedflow job wait -j "$last_job" --timeout 300 || status=1
}

echo "== 5/8 the seed pipeline (DSL v1): DataIO -> HeteroFeatureBinning -> HeteroFeatureSelection -> HeteroLR -> Evaluation"
echo "   guest 9999 (labels), host 10000, arbiter 10000; Paillier between the parties"
run_job examples/seed-pipeline/dsl.json examples/seed-pipeline/conf.json
seed_job=$last_job
echo "evaluation (guest 9999):"
build/bin/fedflow tracking summary -j "$seed_job" -r guest -p 9999 -cpn evaluation_0 || status=1
echo "training loss (arbiter 10000):"
build/bin/fedflow tracking metric-data -j "$seed_job" -r arbiter -p 10000 -cpn hetero_lr_0 \
  --namespace train --name loss || status=1

echo "== 6/8 FATE's golden hetero LR job (DSL v2: Reader -> DataTransform -> Intersection -> HeteroLR -> Evaluation)"
echo "   FATE's train AUC for it is 0.975186"
run_job examples/hetero-lr-golden/dsl.json examples/hetero-lr-golden/conf.json
golden_job=$last_job
build/bin/fedflow tracking summary -j "$golden_job" -r guest -p 10000 -cpn evaluation_0 || status=1

echo "== 7/8 the guest's first predictions of the seed pipeline, read from its agent"
build/bin/fedflow tracking output-data -j "$seed_job" -r guest -p 9999 -cpn hetero_lr_0 --limit 5 || status=1

echo "== 8/8 FATE's toy job: secure sum between guest 9999 and host 10000 through federation"
build/bin/fedflow test toy --guest-party-id 9999 --host-party-id 10000 --timeout 120 || status=$?

if [ "$down" -eq 1 ]; then
  ./deploy/cluster.sh down --dir "$dir"
else
  cat <<MSG

The cluster is still running. Try:
  . $dir/cluster.env
  build/bin/fedflow job list
  build/bin/fedflow job query -j $seed_job
  build/bin/fedflow tracking metrics -j $seed_job -r guest -p 9999 -cpn evaluation_0
  build/bin/fedflow tracking output-data -j $seed_job -r guest -p 9999 -cpn hetero_lr_0 -o out/
  build/bin/fedflow tracking output-model -j $seed_job -r host -p 10000 -cpn hetero_lr_0 -o out/
  build/bin/fedflow job log -j $seed_job -o out/
  build/bin/fedflow job clean -j $seed_job
  build/bin/fedflow job rerun -j $seed_job --component hetero_lr_0 --force
Logs: $dir/logs/.  Stop it with: ./deploy/cluster.sh down --dir $dir
MSG
fi
exit "$status"
