#!/usr/bin/env bash
# Fuzzes the message parser and the configuration loader with cargo-fuzz
# (libFuzzer, nightly Rust), each for a set time.
#
#   scripts/fuzz.sh [SECONDS]     seconds per target (default 60)
#
# Environment (all optional):
#   FUZZ_TARGETS   targets to run, space-separated (default: every target)
#
# The working corpus is kept in fuzz/corpus/TARGET (not in git) and grows
# from run to run; it is seeded each time from the parse fixtures, the
# example referrals, tests/fixtures/fuzz/ and the shipped configuration.
# Exits non-zero if any target crashed, leaked, ran out of memory or time,
# and prints where the input that did it is. Such an input belongs in
# tests/fixtures/fuzz/ (`.eml` for the parser, `.txt` for the configuration),
# where tests/fuzz_regressions.rs runs it on every `cargo test`.

set -euo pipefail

secs="${1:-60}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
    echo "usage: $0 [SECONDS]   (seconds per target, default 60)" >&2
    exit 2
fi
targets="${FUZZ_TARGETS:-parse_message load_config read_document}"
# Large enough for a referral with a small attachment; the parser itself
# accepts up to 25 MiB, but longer inputs only slow the search down.
max_len=262144

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { echo "fuzz.sh: $*" >&2; }

# Tools: nightly Rust, cargo-fuzz and a C++ compiler (libFuzzer is C++).
if ! cargo +nightly --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
        say "installing the nightly toolchain"
        rustup toolchain install nightly --profile minimal
    else
        say "cargo-fuzz needs a nightly Rust toolchain (rustup toolchain install nightly)"
        exit 2
    fi
fi
if ! command -v c++ >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing a C++ compiler (build-essential)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential
    else
        say "libFuzzer needs a C++ compiler: apt-get install build-essential"
        exit 2
    fi
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Seeds. Each target's corpus folder is its working corpus; seeds are copied
# in under fixed names, so re-running refreshes rather than duplicates them.
seed_parser() {
    local dir=fuzz/corpus/parse_message f
    mkdir -p "$dir"
    for f in tests/fixtures/parse/*.eml examples/referrals/*.eml tests/fixtures/fuzz/*.eml; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
    done
}

# The document target's first byte says what the rest claims to be
# (0 Word, 1 OpenDocument, 2 PDF, 3 text; see fuzz_targets/read_document.rs).
seed_documents() {
    local dir=fuzz/corpus/read_document f
    mkdir -p "$dir"
    for f in tests/fixtures/documents/*; do
        [ -f "$f" ] || continue
        case "$f" in
            *.docx) printf '\000' ;;
            *.odt) printf '\001' ;;
            *.pdf) printf '\002' ;;
            *) printf '\003' ;;
        esac | cat - "$f" >"$dir/seed-$(basename "$f")"
    done
}

# The config target reads gateway.toml, authorities.toml and
# bank-holidays.json joined by NUL bytes (see fuzz_targets/load_config.rs).
join_config() {
    cat "$1"
    printf '\0'
    cat "$2"
    printf '\0'
    cat "$3"
}
seed_config() {
    local dir=fuzz/corpus/load_config f
    local gateway=config/gateway.toml authorities=config/authorities.toml
    local holidays=config/bank-holidays.json
    mkdir -p "$dir"
    join_config "$gateway" "$authorities" "$holidays" >"$dir/seed-shipped"
    # Every other TOML file of the folder in each TOML position too, so that
    # the fuzzer starts from more of the schema.
    for f in config/*.toml config/protocols/*.toml; do
        [ -f "$f" ] || continue
        case "$f" in "$gateway" | "$authorities") continue ;; esac
        local name
        name="$(basename "${f%.toml}")"
        join_config "$f" "$authorities" "$holidays" >"$dir/seed-$name-as-gateway"
        join_config "$gateway" "$f" "$holidays" >"$dir/seed-$name-as-authorities"
    done
    for f in tests/fixtures/fuzz/*.txt; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/seed-fuzz-$(basename "$f")"
    done
}

say "building the fuzz targets (nightly, AddressSanitizer)"
cargo +nightly fuzz build

failed=()
for target in $targets; do
    case "$target" in
        parse_message) seed_parser; dict=fuzz/dict/email.dict ;;
        load_config) seed_config; dict=fuzz/dict/config.dict ;;
        read_document) seed_documents; dict=fuzz/dict/document.dict ;;
        *) say "unknown target $target"; exit 2 ;;
    esac
    artifacts="fuzz/artifacts/$target"
    mkdir -p "$artifacts"
    stamp="$(mktemp)"
    log="$artifacts/last-run.log"
    say "running $target for ${secs}s (log: $log)"
    status=0
    cargo +nightly fuzz run "$target" -- \
        -max_total_time="$secs" \
        -rss_limit_mb=2048 \
        -max_len="$max_len" \
        -timeout=10 \
        -dict="$dict" \
        -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    # The last status line (`#N DONE cov: ... exec/s: ...`) and the totals.
    grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 >&2 || true
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" >&2 || true
    found="$(find "$artifacts" -type f -newer "$stamp" \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)"
    rm -f "$stamp"
    if [ -z "$found" ] && grep -q 'libFuzzer: run interrupted' "$log"; then
        # Stopped from outside (Ctrl-C, SIGTERM): nothing was found.
        say "$target was interrupted after the counts above; no crash found"
        failed+=("$target (interrupted)")
    elif [ "$status" -ne 0 ] || [ -n "$found" ]; then
        say "$target FAILED (exit status $status); see $log"
        grep -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY' "$log" | head -n 5 >&2 || true
        for f in $found; do
            say "  input: $f"
            say "  reproduce: cargo +nightly fuzz run $target $f"
        done
        failed+=("$target")
    else
        say "$target: no crash"
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    say "failed: ${failed[*]}"
    exit 1
fi
say "all targets ran ${secs}s without a crash"
