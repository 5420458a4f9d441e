# Sourced by the benchmark scripts: TPC-H lineitem data and a release floe.
#
# After `source bench/prepare.sh`: $root, $sf, $data (holding lineitem.parquet), $out, $floe
# (the release binary) and $py (the venv python) are set.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

sf="${FLOE_BENCH_SF:-1}"
tools="$root/bench/.tools"
data="$root/bench/data/sf$sf"
out="$root/bench/out"

# TPC-H generator and data (cached under bench/.tools and bench/data).
tpchgen="$tools/bin/tpchgen-cli"
if [ ! -x "$tpchgen" ]; then
  echo "bench: installing tpchgen-cli into bench/.tools" >&2
  cargo install tpchgen-cli --locked --root "$tools"
fi
if [ ! -f "$data/lineitem.parquet" ]; then
  echo "bench: generating TPC-H lineitem, scale factor $sf" >&2
  rm -rf "$data.tmp"
  "$tpchgen" parquet --scale-factor "$sf" --tables lineitem --output-dir "$data.tmp" --no-progress
  rm -rf "$data"
  mv "$data.tmp" "$data"
fi

# floe, release build (honours CARGO_TARGET_DIR and .cargo/config).
cargo build --release --locked --bin floe
target_dir=$(cargo metadata --no-deps --format-version 1 |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
floe="${target_dir:-$root/target}/release/floe"
[ -x "$floe" ] || { echo "bench: floe binary not found at $floe" >&2; exit 1; }

py=$(scripts/python-env)
mkdir -p "$out"
