"""Checks, with real torch, that files written by `deno task convert` load as the official code loads them.

    /usr/bin/python3 io/testdata/verify_torch_load.py WRITTEN.pt OFFICIAL.pt [WRITTEN_BF16_INIT.pt]

WRITTEN.pt must equal OFFICIAL.pt tensor for tensor (dtype, shape, stride, values) with the same keys in
the same order, and both must load with weights_only=True (the allow-list torch >= 2.6 uses by default).
The optional third file must hold bfloat16 H_init / L_init equal to OFFICIAL's rounded to bfloat16.
Run by hand (tests never need Python), on the output of `convert` for ../shared/golden/{mlp,att}.
"""
import sys

import torch

written = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
official = torch.load(sys.argv[2], map_location="cpu", weights_only=True)
assert list(written.keys()) == list(official.keys()), (list(written.keys()), list(official.keys()))
for k, v in official.items():
    w = written[k]
    assert (w.dtype, w.shape, w.stride()) == (v.dtype, v.shape, v.stride()), k
    assert torch.equal(w, v), k
assert list(written._metadata.keys())[:2] == ["", list(official._metadata.keys())[1]]
if len(sys.argv) > 3:
    bf = torch.load(sys.argv[3], map_location="cpu", weights_only=True)
    for k, v in official.items():
        want = v.to(torch.bfloat16) if k.endswith(("H_init", "L_init")) else v
        assert bf[k].dtype == want.dtype and torch.equal(bf[k], want), k
print(f"ok: {sys.argv[1]} loads with torch {torch.__version__} (weights_only) and equals {sys.argv[2]}:",
      f"{len(official)} tensors")
