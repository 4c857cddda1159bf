#!/bin/sh
# Runs a bundled entry of the TRM GPU pack (built by `deno task gpu-pack`) on a machine with no network:
# unpacks the Deno binary once, makes a Vulkan loader findable for Deno's WebGPU, and runs the bundle.
#
#   ./run.sh bench [flags]       per-step training benchmark (default --backend webgpu)
#   ./run.sh inference [flags]   9x9 Sudoku inference throughput (default --backend webgpu)
#   ./run.sh train|eval|solve [flags]   the CLI (default --backend webgpu)
#   ./run.sh gpu-info            what WebGPU adapter Deno sees
#
# A --backend you pass replaces the default (the CLI refuses a flag given twice).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# 1. Deno: the carried binary (xz), else one on PATH. Unpacked next to this script when writable.
deno="$here/deno"
if [ ! -x "$deno" ] && [ -f "$here/deno.xz" ]; then
  [ -w "$here" ] || deno="${TMPDIR:-/tmp}/trm-gpu-pack-deno"
  if [ ! -x "$deno" ]; then
    echo "unpacking deno to $deno" >&2
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$here/deno.xz" >"$deno.part"
    elif command -v python3 >/dev/null 2>&1; then
      # Minimal images may lack xz-utils; Python's lzma reads the same format.
      python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$here/deno.xz" "$deno.part"
    else
      echo "error: neither xz nor python3 is available to unpack deno.xz" >&2
      exit 1
    fi
    chmod +x "$deno.part" && mv "$deno.part" "$deno"
  fi
elif [ ! -x "$deno" ]; then
  deno=$(command -v deno || true)
  [ -n "$deno" ] || { echo "error: no deno.xz in $here and no deno on PATH" >&2; exit 1; }
fi

# 2. Vulkan: Deno's WebGPU (wgpu) dlopens libvulkan.so.1. NVIDIA's driver ships the ICD but not always
# the loader (Debian's libvulkan1), so the pack carries one; the system's copy wins when present.
if [ -f "$here/lib/libvulkan.so.1" ] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
# Containers given only the compute capability have the NVIDIA Vulkan library but no ICD manifest;
# point the loader at the driver directly then.
if [ -z "${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json \
  >/dev/null 2>&1; then
  for nvlib in libGLX_nvidia.so.0 libEGL_nvidia.so.0; do
    if ldconfig -p 2>/dev/null | grep -q "$nvlib"; then
      icd="${TMPDIR:-/tmp}/trm-nvidia_icd.json"
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' \
        "$nvlib" >"$icd"
      VK_ICD_FILENAMES="$icd"
      export VK_ICD_FILENAMES
      break
    fi
  done
fi

# 3. Run. No update check or downloads: everything the bundles need is in this folder.
export DENO_NO_UPDATE_CHECK=1
run() { exec "$deno" run -A --no-config --cached-only "$@"; }
cmd=${1:-}
[ $# -gt 0 ] && shift
backend="--backend webgpu" # unquoted below: two words, or none
for a in "$@"; do case "$a" in --backend | --backend=*) backend="" ;; esac; done
case "$cmd" in
bench) run "$here/bench.js" $backend "$@" ;;
inference) run "$here/inference.js" $backend "$@" ;;
train | eval | solve) run "$here/train.js" "$cmd" $backend "$@" ;;
gpu-info)
  exec "$deno" eval 'const a = await navigator.gpu?.requestAdapter();
const i = a?.info;
console.log(i ? JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device,
  description: i.description }) : "no WebGPU adapter");'
  ;;
*)
  echo "usage: $0 bench|inference|train|eval|solve|gpu-info [flags]" >&2
  exit 2
  ;;
esac
