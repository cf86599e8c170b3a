#!/usr/bin/env bash
# PruneVid.NET — the Slurm example on a real single-node Slurm: starts munge, slurmctld and slurmd with a private
# config (SLURM_CONF; /etc/slurm is left alone), submits examples/slurm/eval-egoschema.sbatch as a 2-task array on
# the tiny fixture model and a 4-question mini dataset, waits (bounded) for the dependent report job, then checks
# the shard files and the report. Needs root and slurm-wlm + munge (`.ci/run` installs them). Exit 0 = passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TIMEOUT=${SLURM_TEST_TIMEOUT:-600}
fail() { echo "slurm test FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (it starts slurmctld, slurmd and munged)"
for tool in sbatch squeue slurmctld slurmd munged; do command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || fail "$tool not found: apt-get install slurm-wlm munge"; done

W=$(mktemp -d /tmp/prunevid-slurm.XXXXXX)
started=()
cleanup() {
  local rc=$? pids=()
  for pidfile in "${started[@]}"; do [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")"); done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # The daemons write their state files while they stop: wait for them (bounded) before removing the folder.
  for _ in $(seq 50); do
    alive=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.2
  done
  if [ "${KEEP_SLURM_TEST:-0}" != 1 ]; then rm -rf "$W" 2>/dev/null || { sleep 1; rm -rf "$W" || true; }; else echo "kept $W"; fi
  exit "$rc"
}
trap cleanup EXIT

echo "== build the CLI"
dotnet build src/Cli -c Release -v q -nologo >"$W/build.log" 2>&1 || { cat "$W/build.log"; fail "CLI build"; }
CLI="dotnet $ROOT/src/Cli/bin/Release/net10.0/prunevid.dll"

echo "== mini dataset"
$CLI eval make-mini --out "$W/mini" --questions 4 >/dev/null

echo "== munge"
[ -f /etc/munge/munge.key ] || mungekey --create
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! pgrep -u munge -x munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged
  started+=(/run/munge/munged.pid)
fi

echo "== slurm (config in $W/slurm.conf)"
H=$(hostname -s)
mkdir -p "$W/state" "$W/spool"
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat >"$W/slurm.conf" <<CONF
ClusterName=prunevid-test
SlurmctldHost=$H
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ReturnToService=2
NodeName=$H CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$W/slurm.conf
/usr/sbin/slurmctld && started+=("$W/slurmctld.pid")
/usr/sbin/slurmd && started+=("$W/slurmd.pid")
for _ in $(seq 30); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %t | grep -q idle || { cat "$W/slurmctld.log" "$W/slurmd.log" >&2; fail "the node did not come up idle"; }

echo "== submit the example (2-task array + dependent report job)"
OUT=$W/out
submitted=$(MODEL="$ROOT/../shared/fixtures/tiny-qwen25vl" TOKENIZER="$ROOT/../shared/fixtures/qwen-tokenizer" DATA="$W/mini" OUT="$OUT" \
  SHARDS=2 SCORING=logits PRUNEVID="$CLI" EVAL_ARGS="--device cpu --fps 1 --min-pixels 3136 --max-pixels 12544" \
  SBATCH_ARGS="--gres=none --cpus-per-task=1 --mem=1G --time=00:10:00" PRUNEVID_PROGRESS_SECONDS=5 \
  bash examples/slurm/eval-egoschema.sbatch)
echo "$submitted"
report_job=$(sed -n 's/.*report job \([0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$report_job" ] || fail "no report job id in: $submitted"

echo "== wait (at most ${TIMEOUT}s)"
deadline=$((SECONDS + TIMEOUT))
while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || { squeue; cat "$OUT"/slurm-*.out >&2 || true; fail "jobs still queued or running after ${TIMEOUT}s"; }
  sleep 2
done
cat "$OUT"/slurm-*.out

echo "== check"
for i in 0 1; do
  f=$OUT/results-$i-of-2.jsonl
  [ -f "$f" ] || fail "$f missing"
  grep -q "Slurm job array" "$OUT"/slurm-*_"$i".out || fail "task $i did not take its shard from the Slurm array environment"
done
lines=$(cat "$OUT"/results-0-of-2.jsonl "$OUT"/results-1-of-2.jsonl | wc -l)
[ "$lines" = 8 ] || fail "expected 8 result lines (4 questions x 2 strategies), found $lines"
pairs=$(cat "$OUT"/results-*-of-2.jsonl | sed -E 's/^\{"q_uid":"([^"]*)","strategy":"([^"]*)".*/\1 \2/' | sort -u | wc -l)
[ "$pairs" = 8 ] || fail "expected 8 distinct (q_uid, strategy) pairs, found $pairs"
for f in report.md report.csv accuracy_vs_retention.png submission-noop.json submission-prunevid-stage1.json results.jsonl; do
  [ -s "$OUT/$f" ] || fail "the report job did not write $f"
done
grep -q '^noop,noop,,4,4,' "$OUT/report.csv" || fail "report.csv has no 4-question noop row (strategy, family, no target, n 4, scored 4): $(cat "$OUT/report.csv")"
grep -q '^prunevid-stage1,prunevid-stage1,,4,4,' "$OUT/report.csv" || fail "report.csv has no 4-question prunevid-stage1 row"
echo "slurm test passed: 2 array tasks + report job on $(sinfo -h -o %N) (Slurm $(sinfo -V | awk '{print $2}'))"
