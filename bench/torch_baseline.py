#!/usr/bin/env python3
"""PyTorch baseline of one TRM step, for bench/compare.ts (never a test dependency).

Our own minimal PyTorch version of the step `TrainSession.step` times, on the same shapes, fp32:
input embedding (token lookup + puzzle-embedding prefix, x sqrt(D)), T-1 no-grad recursions and one with
gradients (z <- f(z + y + x) n times, y <- f(y + z)), the MLP-t network of the paper (post-norm RMSNorm
without gain, SwiGLU along the sequence axis then the channel axis), lm_head and q_head, stablemax
cross-entropy + 0.5 BCE(q_halt, exact), backward, AdamATan2 (decay first, atan2, no epsilon), the EMA of
the weights and sign-SGD on the touched puzzle-embedding rows. `infer` mode times one supervision step
without gradients (embedding, T(n+1) evaluations of f, heads, argmax).

Protocol (so the caller can alternate rounds with its own): argv[1] is a JSON object
{"mode": "train"|"infer", "V", "L", "P", "D", "layers", "expansion", "n", "T", "nsup", "B", "lr", "seed"};
the script prints one JSON line describing torch and its BLAS, then for each stdin line "step" runs one
step and prints {"ms": ...}; "peak" prints {"peak_rss_bytes": ...}; end of input exits.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def swiglu_width(d, expansion):
    return 256 * math.ceil(round(expansion * d * 2 / 3) / 256)


def normal(shape, std):
    # Truncated at 2 std (torch 1.13's trunc_normal_ takes no generator; the seed is global).
    return torch.nn.init.trunc_normal_(torch.empty(shape), 0.0, std, -2 * std, 2 * std)


def lecun(shape):
    # Truncated LeCun normal with the JAX std correction (the exact init does not affect speed).
    return normal(shape, 1.1368472 / math.sqrt(shape[0]))


def blas_libraries():
    try:
        with open("/proc/self/maps") as f:
            names = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
        return sorted(n for n in names if n.startswith("/"))
    except OSError:
        return []


class Trm:
    def __init__(self, c):
        self.c = c
        V, L, P, D, E = c["V"], c["L"], c["P"], c["D"], c["expansion"]
        Lp = L + P
        wc, wt = swiglu_width(D, E), swiglu_width(Lp, E)
        p = {"embed": normal((V, D), 1.1368472 / math.sqrt(D))}
        for i in range(c["layers"]):
            p[f"b{i}.t_gu"] = lecun((Lp, 2 * wt))
            p[f"b{i}.t_down"] = lecun((wt, Lp))
            p[f"b{i}.c_gu"] = lecun((D, 2 * wc))
            p[f"b{i}.c_down"] = lecun((wc, D))
        p["lm_head"] = lecun((D, V))
        p["q_w"] = torch.zeros(D, 2)
        p["q_b"] = torch.full((2,), -5.0)
        self.params = {k: v.requires_grad_() for k, v in p.items()}
        self.y_init = normal((D,), 1.0)
        self.z_init = normal((D,), 1.0)
        self.puzzles = torch.zeros(1, D)
        self.m = {k: torch.zeros_like(v) for k, v in p.items()}
        self.v = {k: torch.zeros_like(v) for k, v in p.items()}
        self.ema = {k: v.detach().clone() for k, v in p.items()}
        self.t = 0
        self.carry = None
        self.steps = None

    @staticmethod
    def rms(x):
        return x * torch.rsqrt(x.square().mean(-1, keepdim=True) + 1e-5)

    @staticmethod
    def swiglu(x, gu, down):
        g, u = (x @ gu).chunk(2, -1)
        return (F.silu(g) * u) @ down

    def f(self, h, inj):
        p = self.params
        h = h + inj
        for i in range(self.c["layers"]):
            t = h.transpose(1, 2)  # [B, D, L']
            t = self.rms(t + self.swiglu(t, p[f"b{i}.t_gu"], p[f"b{i}.t_down"]))
            h = t.transpose(1, 2)
            h = self.rms(h + self.swiglu(h, p[f"b{i}.c_gu"], p[f"b{i}.c_down"]))
        return h

    def embed(self, inputs, rows):
        B, D, P = inputs.shape[0], self.c["D"], self.c["P"]
        tok = F.embedding(inputs, self.params["embed"])
        prefix = torch.cat([rows[:, None, :], torch.zeros(B, P - 1, D)], 1)
        return math.sqrt(D) * torch.cat([prefix, tok], 1)

    def recursion(self, x, y, z):
        for _ in range(self.c["n"]):
            z = self.f(z, y + x)
        return self.f(y, z), z

    def heads(self, y):
        p = self.params
        logits = y[:, self.c["P"]:] @ p["lm_head"]
        q = y[:, 0] @ p["q_w"] + p["q_b"]
        return logits, q[:, 0]

    def reset(self, B):
        Lp, D = self.c["L"] + self.c["P"], self.c["D"]
        return self.y_init.expand(B, Lp, D).clone(), self.z_init.expand(B, Lp, D).clone()

    def infer_step(self, inputs):
        with torch.no_grad():
            x = self.embed(inputs, self.puzzles[torch.zeros(inputs.shape[0], dtype=torch.long)])
            y, z = self.reset(inputs.shape[0])
            for _ in range(self.c["T"]):
                y, z = self.recursion(x, y, z)
            logits, q = self.heads(y)
            return logits.argmax(-1), q

    def train_step(self, inputs, labels):
        c, B = self.c, inputs.shape[0]
        if self.carry is None or bool((self.steps >= c["nsup"]).all()):
            self.carry, self.steps = self.reset(B), torch.zeros(B, dtype=torch.long)
        ids = torch.zeros(B, dtype=torch.long)
        rows = self.puzzles[ids].clone().requires_grad_()
        x = self.embed(inputs, rows)
        y, z = self.carry
        with torch.no_grad():
            for _ in range(c["T"] - 1):
                y, z = self.recursion(x, y, z)
        y, z = self.recursion(x, y, z)
        logits, q_halt = self.heads(y)
        # Stablemax cross-entropy (fp32 here, as in our fp32 port).
        s = torch.where(logits >= 0, logits + 1, 1 / (1 - logits + 1e-30))
        logp = torch.log(s / s.sum(-1, keepdim=True))
        mask = labels != -100
        tok = -logp.gather(-1, torch.where(mask, labels, 0)[..., None])[..., 0] * mask
        count = mask.sum(-1).clamp_min(1)
        lm = (tok.sum(-1) / count).sum()
        exact = ((logits.argmax(-1) == labels) | ~mask).all(-1).float()
        qloss = F.binary_cross_entropy_with_logits(q_halt, exact, reduction="sum")
        loss = (lm + 0.5 * qloss) / B
        for v in self.params.values():
            v.grad = None
        loss.backward()
        self.t += 1
        lr, (b1, b2), wd, mu = c["lr"], (0.9, 0.95), c.get("wd", 1.0), c.get("ema", 0.999)
        with torch.no_grad():
            for k, p in self.params.items():
                g = p.grad
                p.mul_(1 - lr * wd)
                self.m[k].lerp_(g, 1 - b1)
                self.v[k].mul_(b2).addcmul_(g, g, value=1 - b2)
                mh = self.m[k] / (1 - b1 ** self.t)
                vh = self.v[k].sqrt() / math.sqrt(1 - b2 ** self.t)
                p.sub_(lr * torch.atan2(mh, vh))
                self.ema[k].mul_(mu).add_(p, alpha=1 - mu)
            gsum = torch.zeros_like(self.puzzles).index_add_(0, ids, rows.grad)
            touched = torch.unique(ids)
            self.puzzles[touched] = self.puzzles[touched] * (1 - lr * wd) - lr * torch.sign(gsum[touched])
            self.carry = (y.detach(), z.detach())
            self.steps = self.steps + 1
        return loss.item()


def main():
    c = json.loads(sys.argv[1])
    torch.manual_seed(c.get("seed", 0))
    # torch's own default unless asked (1 intra-op thread on this Debian build; OpenBLAS still uses every
    # core for matmuls). Forcing 2 OpenMP threads measured far slower on a shared 2-core machine.
    if "threads" in c:
        torch.set_num_threads(c["threads"])
    model = Trm(c)
    B, L, V = c["B"], c["L"], c["V"]
    inputs = torch.ones(B, L, dtype=torch.long)
    labels = torch.full((B, L), 2, dtype=torch.long) % V
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_libraries(),
        "blas_info": torch.__config__.show().split("BLAS_INFO=")[-1].split(",")[0],
    }), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "step":
            t0 = time.perf_counter()
            if c["mode"] == "train":
                model.train_step(inputs, labels)
            else:
                model.infer_step(inputs)
            print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
        elif cmd == "peak":
            print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), flush=True)


if __name__ == "__main__":
    main()
