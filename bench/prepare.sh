# Sourced by the benchmark scripts: TPC-H lineitem data and a release floe.
#
# After `source bench/prepare.sh`: $root, $sf, $data (holding lineitem.parquet), $out, $floe
# (the release binary, unless bench_floe_given is set) and $py (the venv python) are set.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

sf="${FLOE_BENCH_SF:-1}"
tools="$root/bench/.tools"
data="$root/bench/data/sf$sf"
out="$root/bench/out"

# TPC-H generator and data (cached under bench/.tools and bench/data). A script that makes its
# own data (bench/scale) sets bench_no_tpch=1 before sourcing this.
tpchgen="$tools/bin/tpchgen-cli"
if [ -n "${bench_no_tpch:-}" ]; then
  :
elif [ ! -x "$tpchgen" ]; then
  echo "bench: installing tpchgen-cli into bench/.tools" >&2
  cargo install tpchgen-cli --locked --root "$tools"
fi
if [ -z "${bench_no_tpch:-}" ] && [ ! -f "$data/lineitem.parquet" ]; then
  echo "bench: generating TPC-H lineitem, scale factor $sf" >&2
  rm -rf "$data.tmp"
  "$tpchgen" parquet --scale-factor "$sf" --tables lineitem --output-dir "$data.tmp" --no-progress
  rm -rf "$data"
  mv "$data.tmp" "$data"
fi

# floe, release build (honours CARGO_TARGET_DIR and .cargo/config). A script that takes floe
# from its caller (bench/row-changes --floe PATH) sets bench_floe_given=1 before sourcing this,
# and no floe is built: $floe is then left as it is.
if [ -z "${bench_floe_given:-}" ]; then
  cargo build --release --locked --bin floe
  target_dir=$(cargo metadata --no-deps --format-version 1 |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  floe="${target_dir:-$root/target}/release/floe"
  [ -x "$floe" ] || { echo "bench: floe binary not found at $floe" >&2; exit 1; }
fi

py=$(scripts/python-env)
mkdir -p "$out"
