#!/usr/bin/env bash
# Runs encode-array.sbatch and merge.sbatch on a throwaway one-node Slurm cluster started on this machine.
#
#   tools/slurm/check.sh [BIGBIGAN]      # the real run: a 3-task encode array over 7 generated images, the merge,
#                                        # and `cmp` against one single-process encode of the same folder
#   tools/slurm/check.sh --self-test     # the cluster and both scripts with a stand-in for bigbigan that records
#                                        # its arguments, including a task requeued while it runs
#
# BIGBIGAN is a bigbigan binary; without it, `swift build -c release --product bigbigan` builds one. Installs
# Debian's slurm-wlm and munge with apt if missing, and needs root (it re-runs itself under sudo otherwise): the
# daemons run as root, started directly (no systemd), with their configuration, key, state, spool and logs in a
# temporary folder and their ports chosen free, so an installed Slurm or munge is left alone. Every process it
# started — munged, slurmctld, slurmd, slurmstepd and the jobs' — is stopped on exit, failure or interruption.
# Jobs run on the CPU (`--device cpu`, `--gres=none`): the cluster has no GPU GRES. KEEP=1 keeps the folder.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
    exec sudo --preserve-env=PATH,KEEP "$0" "$@"
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
scripts="$root/tools/slurm"
say() { echo "slurm-check: $*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}
started=$SECONDS

self_test=0
bigbigan=""
for arg in "$@"; do
    case "$arg" in
        --self-test) self_test=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            say "unknown option $arg (usage: $0 [--self-test] [BIGBIGAN])"
            exit 64
            ;;
        *) bigbigan="$arg" ;;
    esac
done

if ((!self_test)); then
    if [ -z "$bigbigan" ]; then
        say "building bigbigan (swift build -c release --product bigbigan)"
        (cd "$root" && swift build -c release --product bigbigan)
        bigbigan="$(cd "$root" && swift build -c release --show-bin-path)/bigbigan"
    fi
    [ -x "$bigbigan" ] || fail "$bigbigan is not an executable"
    bigbigan="$(cd "$(dirname "$bigbigan")" && pwd)/$(basename "$bigbigan")"
fi

packages=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "packages ready after $((SECONDS - started)) s"

# --- the cluster -------------------------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/bigbigan-slurm.XXXXXX")"
# munged wants every folder above its socket searchable by all, and none writable by others.
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/state" "$tmp/spool" "$tmp/jobs" "$tmp/work"
# Marks the processes of this cluster: the jobs inherit it from the submitting environment (sbatch's default
# --export=ALL), and the daemons and slurmstepd (which starts with an empty environment) work in $tmp.
export BIGBIGAN_SLURM_CHECK="$tmp"
export SLURM_CONF="$tmp/slurm.conf"
daemons=()

# Processes other than this shell that work in $tmp or carry the marker.
marked_processes() {
    local dir pid entries entry
    for dir in /proc/[0-9]*; do
        pid="${dir#/proc/}"
        [ "$pid" = "$$" ] && continue
        case "$(readlink "$dir/cwd" 2>/dev/null)/" in "$tmp"/*)
            echo "$pid"
            continue
            ;;
        esac
        entries=()
        mapfile -d '' entries 2>/dev/null <"$dir/environ" || continue
        for entry in "${entries[@]}"; do
            if [ "$entry" = "BIGBIGAN_SLURM_CHECK=$tmp" ]; then
                echo "$pid"
                break
            fi
        done
    done
}

cleanup() {
    local status=$? pid left
    trap - EXIT INT TERM
    export -n BIGBIGAN_SLURM_CHECK
    if scontrol ping >/dev/null 2>&1; then
        scancel --full --quiet --user=root 2>/dev/null || true
        for _ in $(seq 30); do
            [ -z "$(squeue --noheader --format=%i 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    for pid in "${daemons[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${daemons[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    left="$(marked_processes)"
    if [ -n "$left" ]; then
        say "stopping leftover processes of the cluster: ${left//$'\n'/ }"
        # shellcheck disable=SC2086 # one PID a line
        kill -KILL $left 2>/dev/null || true
        sleep 0.5
        left="$(marked_processes)"
        [ -z "$left" ] || say "processes still running: ${left//$'\n'/ }"
    fi
    if ((status != 0)); then
        for log in "$tmp"/log/* "$tmp"/jobs/*; do
            [ -f "$log" ] || continue
            echo "--- ${log#"$tmp"/} (last 20 lines)" >&2
            tail -n 20 "$log" >&2
        done
    fi
    if [ "${KEEP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
    say "$([ "$status" -eq 0 ] && echo passed || echo "failed (exit $status)") in $((SECONDS - started)) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Polls COMMAND until it succeeds, for up to SECONDS seconds.
wait_for() {
    local limit=$1 what=$2 deadline=$((SECONDS + $1))
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "$what not ready after $limit s"
        sleep 0.2
    done
}

# A TCP port nothing listens on (and not the one given, if any).
free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        [ "$port" != "${1:-}" ] || continue
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
            echo "$port"
            return
        }
    done
    fail "no free TCP port found"
}

cluster_started=$SECONDS
if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$tmp/munge/munge.key"
else # munge before 0.5.14 has no mungekey (create-munge-key reads the same source)
    dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$tmp/munge/munge.key"
munge_socket="$tmp/munge/munge.socket"
# --force: a stale socket or an unusual TMPDIR's permissions are warnings, not reasons to stop, for a throwaway daemon.
(cd "$tmp" && exec munged --foreground --force --socket="$munge_socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" --log-file="$tmp/log/munged.log" \
    >"$tmp/log/munged.stderr" 2>&1) &
daemons+=($!)
munge_works() { munge --socket="$munge_socket" --no-input | unmunge --socket="$munge_socket"; }
wait_for 20 munged munge_works

node="$(hostname -s)"
ctld_port="$(free_port)"
slurmd_port="$(free_port "$ctld_port")"
# This machine's CPUs, sockets, cores and memory as slurmd sees them, so the node registers as it is.
hardware="$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //; s/ *UpTime=.*//')"
cat >"$SLURM_CONF" <<EOF
ClusterName=bigbigan-check
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
# Containers have no usable cgroups: track job processes through /proc and bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
DependencyParameters=kill_invalid_depend
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
(cd "$tmp" && exec slurmctld -D -c -f "$SLURM_CONF" >/dev/null 2>"$tmp/log/slurmctld.stderr") &
daemons+=($!)
wait_for 30 slurmctld scontrol ping
(cd "$tmp" && exec slurmd -D -N "$node" -f "$SLURM_CONF" >/dev/null 2>"$tmp/log/slurmd.stderr") &
daemons+=($!)
node_idle() { [ "$(sinfo --noheader --nodes="$node" --format=%t)" = idle ]; }
wait_for 30 "slurmd (node $node idle)" node_idle
say "cluster up in $((SECONDS - cluster_started)) s: node $node ($(sinfo --noheader --format='%c CPUs, %m MB')," \
    "ports $ctld_port/$slurmd_port)"

# --- the jobs ----------------------------------------------------------------------------------------------------
shards=3
outdir="$tmp/out"
mkdir -p "$outdir"
submit=(--chdir="$tmp/work" --gres=none)

# Submits the encode array with ARGS for bigbigan encode; prints the array's job id.
submit_array() {
    sbatch --parsable "${submit[@]}" --array=0-$((shards - 1)) --output="$tmp/jobs/encode-%A_%a.out" \
        --export="ALL,INPUT=$input,OUTDIR=$outdir,BIGBIGAN=$bigbigan" "$scripts/encode-array.sbatch" "$@"
}

# Slurm's state of JOB (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED…).
job_state() { scontrol show job --oneliner "$1" | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'; }

# Runs merge.sbatch once the array JOB has succeeded; fails when it does not (a failed task cancels the merge).
merge_after() {
    local merge state deadline=$((SECONDS + 900))
    merge="$(sbatch --parsable "${submit[@]}" --dependency="afterok:$1" --output="$tmp/jobs/merge-%j.out" \
        --export="ALL,OUTDIR=$outdir,SHARDS=$shards,OUTPUT=$merged,BIGBIGAN=$bigbigan" "$scripts/merge.sbatch")"
    while :; do
        state="$(job_state "$merge")"
        case "$state" in
            PENDING | CONFIGURING | RUNNING | COMPLETING | REQUEUED | RESIZING | SUSPENDED) ;;
            *) break ;;
        esac
        ((SECONDS < deadline)) || fail "the merge job is still $state after 900 s"
        sleep 0.5
    done
    [ "$state" = COMPLETED ] ||
        fail "the merge job ended $state: $(scontrol show job --oneliner "$merge" | grep -o ' Reason=[^ ]*')" \
            "$(squeue --noheader --states=all --jobs="$1" --format='%i %T' | tr '\n' ' ')"
}

if ((self_test)); then
    jobs_started=$SECONDS
    bigbigan="$tmp/stand-in/bigbigan"
    input="$tmp/images"
    merged="$outdir/merged.txt"
    mkdir -p "$(dirname "$bigbigan")" "$input"
    cat >"$bigbigan" <<'EOF'
#!/bin/sh
# Stands in for bigbigan: `encode` writes its task, restart count and arguments to its --output, and its first run
# as task 1 waits to be requeued; `merge OUT PARTS…` concatenates the parts.
set -eu
command=$1
shift
case $command in
    encode)
        output=""
        previous=""
        for arg in "$@"; do
            [ "$previous" = --output ] && output=$arg
            previous=$arg
        done
        if [ "$SLURM_ARRAY_TASK_ID" = 1 ] && [ "${SLURM_RESTART_COUNT:-0}" = 0 ]; then
            touch "$output.running"
            exec sleep 600
        fi
        { echo "task $SLURM_ARRAY_TASK_ID restart ${SLURM_RESTART_COUNT:-0}: encode"; printf '%s\n' "$@"; } >"$output"
        ;;
    merge)
        output=$1
        shift
        cat "$@" >"$output"
        ;;
esac
EOF
    chmod +x "$bigbigan"
    extra=(--batch-size 2 --weights "$tmp/some weights")
    array="$(submit_array "${extra[@]}")"
    say "array job $array submitted; requeueing task 1 once it runs"
    wait_for 60 "task 1 of the array" test -e "$outdir/part-1.safetensors.running"
    scontrol requeue "${array}_1"
    # A requeued job, once back to pending, waits two minutes (BeginTime) before it may start again: start it now.
    task_pending() { [ "$(squeue --noheader --jobs="${array}_1" --format=%T)" = PENDING ]; }
    wait_for 30 "the requeued task" task_pending
    scontrol update JobId="${array}_1" StartTime=now
    merge_after "$array"
    expected="$tmp/expected.txt"
    for ((i = 0; i < shards; i++)); do
        echo "task $i restart $([ "$i" = 1 ] && echo 1 || echo 0): encode"
        printf '%s\n' "$input" --shard "$i/$shards" --resume --output "$outdir/part-$i.safetensors" "${extra[@]}"
    done >"$expected"
    if ! cmp -s "$expected" "$merged"; then
        diff "$expected" "$merged" >&2 || true
        fail "the jobs did not call bigbigan as expected"
    fi
    say "self-test: $shards tasks (one requeued) and the merge in $((SECONDS - jobs_started)) s; arguments as expected"
else
    jobs_started=$SECONDS
    input="$tmp/images"
    merged="$outdir/features.safetensors"
    mkdir -p "$input"
    "$bigbigan" generate --count 7 --seed 0 --weights synthetic --ch 8 --device cpu --output-dir "$input" 2>"$tmp/log/generate.stderr"
    # 7 images in batches of 2: 4 batches over 3 shards, the last batch short.
    extra=(--device cpu --weights synthetic --width 8 --batch-size 2)
    array="$(submit_array "${extra[@]}")"
    say "array job $array submitted"
    merge_after "$array"
    say "array and merge done in $((SECONDS - jobs_started)) s; encoding the same folder in one process"
    "$bigbigan" encode "$input" "${extra[@]}" --output "$tmp/single.safetensors" 2>"$tmp/log/encode.stderr"
    cmp "$merged" "$tmp/single.safetensors" || fail "the merged shards differ from the single-process encode"
    outputs="$(find "$outdir" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')"
    [ "$outputs" = "features.safetensors part-0.safetensors part-1.safetensors part-2.safetensors " ] ||
        fail "$outdir holds more than the parts and the merged file (partial state left?): $outputs"
    say "merged output of $shards shards is byte-identical to the single-process encode"
fi
