#!/usr/bin/env bash
# Benchmark set-up: the Hessian section compares with PyTorch (Debian's python3-torch) when it can be
# installed here; without it those rows carry a note instead of a reference. Never fails the bench.
if ! python3 -c 'import torch' 2>/dev/null && ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench set-up: installing python3-torch for the PyTorch comparison" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch libopenblas0) >/dev/null 2>&1 \
      || echo "bench set-up: python3-torch unavailable; PyTorch rows will say so" >&2
  fi
fi
exit 0
