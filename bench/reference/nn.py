#!/usr/bin/env python3
"""PyTorch reference figures for bench/sections/nn.ts (issue 7 §6): one training step of each
model family, same architecture and dtype as ours, single-threaded (torch.set_num_threads(1)).

    /usr/bin/python3 bench/reference/nn.py '<json spec>'

spec: {"minSeconds": 2, "minRuns": 10, "only": ["mlp-large", "mlp-small", "cnn", "transformer"]}
Prints one JSON object on its last stdout line:
  {torch, threads, blas: [shared libraries], params: {id: count}, rows: {id: {ms, median_ms, min_ms, max_ms, runs}}}
(rows "mlp-small-grad", "mlp-small-hvp", "transformer-grad", "transformer-hvp" are the gradient and
HVP alone; `params` counts each model's parameters so the caller can check the architectures agree).

Architectures (must match bench/sections/nn.ts):
  mlp-large   784-1024-1024-10, relu, batch 256, f32, softmax cross-entropy, SGD lr 0.01
  mlp-small   49-128-128-10, tanh, batch 300, f64, MSE ½‖f − y‖²/n, SGD lr 0.1; also gradient and
              HVP (double backward) times
  cnn         conv3×3(1→16, pad 1)-relu-maxpool2 → conv3×3(16→32, pad 1)-relu-maxpool2 → flatten
              → dense(32·7·7 → 10); 28×28 inputs, batch 64, f32, cross-entropy, SGD lr 0.01
  transformer decoder-only, 2 pre-LN blocks, d_model 128, 4 heads (q/k/v/o without biases, as
              src/nn/layers/attention.ts), d_ff 512 (exact gelu), learned
              positions, untied readout, vocab 64, sequence 64, batch 32, f32, AdamW lr 1e-3 wd 0.01;
              also gradient and HVP (double backward) times in f32
"""
import json
import math
import sys

import timing
import torch
import torch.nn as nn
import torch.nn.functional as F


def timeit(fn, warmup=2, min_runs=10, min_seconds=2.0, max_runs=2000):
    """Median (and min–max) run time in ms (timing.py's rule)."""
    t = timing.timeit(fn, warmup=warmup, min_runs=min_runs, min_seconds=min_seconds, max_runs=max_runs)
    return {"ms": t["median"] * 1e3, "median_ms": t["median"] * 1e3, "min_ms": t["min"] * 1e3, "max_ms": t["max"] * 1e3, "runs": t["runs"]}


def mlp(widths, act):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, d, heads, dff):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, dff)
        self.fc2 = nn.Linear(dff, d)
        self.heads = heads

    def forward(self, x):
        B, T, D = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(D, dim=-1)
        hd = D // self.heads
        q = q.view(B, T, self.heads, hd).transpose(1, 2)
        k = k.view(B, T, self.heads, hd).transpose(1, 2)
        v = v.view(B, T, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Transformer(nn.Module):
    def __init__(self, vocab, d, heads, layers, seq, dff):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList([Block(d, heads, dff) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.out = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        T = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.out(self.ln(x))


def step_fn(model, loss_fn, opt):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model)
        loss.backward()
        opt.step()
    return step


def grad_and_hvp(model, loss_fn, mr, ms):
    """Times of one gradient and one exact HVP (double backward) of loss_fn at model's parameters."""
    params = list(model.parameters())
    vs = [torch.randn_like(p) for p in params]

    def g():
        return torch.autograd.grad(loss_fn(model), params)

    def h():
        gs = torch.autograd.grad(loss_fn(model), params, create_graph=True)
        dot = sum((a * b).sum() for a, b in zip(gs, vs))
        return torch.autograd.grad(dot, params)
    return timeit(g, min_runs=mr, min_seconds=ms), timeit(h, min_runs=mr, min_seconds=ms)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def blas_libraries():
    """The BLAS/LAPACK shared libraries this process has mapped (Linux; empty elsewhere)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
        return sorted(l for l in libs if l.startswith("/"))
    except OSError:
        return []


def main():
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    torch.set_num_threads(int(spec.get("threads", 1)))
    ms, mr = float(spec.get("minSeconds", 2.0)), int(spec.get("minRuns", 10))
    only = spec.get("only") or ["mlp-large", "mlp-small", "cnn", "transformer"]
    torch.manual_seed(0)
    rows = {}
    counts = {}
    if "mlp-large" in only:
        m = mlp([784, 1024, 1024, 10], nn.ReLU).float()
        x = torch.randn(256, 784)
        y = torch.randint(0, 10, (256,))
        counts["mlp-large"] = n_params(m)
        rows["mlp-large"] = timeit(step_fn(m, lambda m: F.cross_entropy(m(x), y), torch.optim.SGD(m.parameters(), lr=0.01)), min_runs=mr, min_seconds=ms)
    if "mlp-small" in only:
        m = mlp([49, 128, 128, 10], nn.Tanh).double()
        x = torch.randn(300, 49, dtype=torch.float64)
        y = torch.randn(300, 10, dtype=torch.float64)
        lossf = lambda m: 0.5 * ((m(x) - y) ** 2).sum() / 300
        counts["mlp-small"] = n_params(m)
        rows["mlp-small"] = timeit(step_fn(m, lossf, torch.optim.SGD(m.parameters(), lr=0.1)), min_runs=mr, min_seconds=ms)
        rows["mlp-small-grad"], rows["mlp-small-hvp"] = grad_and_hvp(m, lossf, mr, ms)
    if "cnn" in only:
        m = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10)).float()
        x = torch.randn(64, 1, 28, 28)
        y = torch.randint(0, 10, (64,))
        counts["cnn"] = n_params(m)
        rows["cnn"] = timeit(step_fn(m, lambda m: F.cross_entropy(m(x), y), torch.optim.SGD(m.parameters(), lr=0.01)), min_runs=mr, min_seconds=ms)
    if "transformer" in only:
        m = Transformer(64, 128, 4, 2, 64, 512).float()
        ids = torch.randint(0, 64, (32, 64))
        tgt = torch.randint(0, 64, (32, 64))
        lossf = lambda m: F.cross_entropy(m(ids).reshape(-1, 64), tgt.reshape(-1))
        counts["transformer"] = n_params(m)
        rows["transformer"] = timeit(step_fn(m, lossf, torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)), min_runs=mr, min_seconds=ms)
        rows["transformer-grad"], rows["transformer-hvp"] = grad_and_hvp(m, lossf, mr, ms)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_libraries(),
                      "params": counts, "rows": rows}))


if __name__ == "__main__":
    main()
