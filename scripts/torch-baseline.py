#!/usr/bin/env python3
"""The PyTorch side of `./tarflow bench`: the same TarFlow workloads, phases and timing protocol in PyTorch, so that
the CPU backend can be compared with PyTorch measured on the same machine in the same half hour (timings on shared
machines drift by 10-30% between periods, more than the margins being measured).

The model follows the reference TarFlow (apple/ml-tarflow) as ../shared/DESIGN.md pins it down, written here from
that description: patchify, blocks alternating token order, proj_in + positional embedding, pre-norm causal
Transformer layers (heads of 64, exact GELU MLP of 4x width), proj_out shifted by one token, z = (x - mu) exp(-alpha);
it runs the Transformer on all N tokens, as the reference does. Attention is written out (torch 1.13 has no fused
scaled_dot_product_attention). Sampling inverts token by token with a preallocated per-layer KV cache; guidance runs
the attention-temperature branch in the same batch.

Usage: scripts/torch-baseline.sh (the environment that makes PyTorch fast here; see there), or
    python3 scripts/torch-baseline.py --config A --threads 2 --reps 20 [--json FILE] [--phases fwd,train]
        [--check-golden ../shared/golden/mnist_p4/uncond]
The parameter count is checked against the bench's configs (B 1,636,480; A 6,532,480), and --check-golden first
compares latent, logdet and an unguided sample with the reference's own outputs.
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # name: (channels_in, img, patch, width, blocks, layers, batch, expected parameters)
    "B": (1, 28, 4, 128, 4, 2, 64, 1_636_480),
    "A": (3, 32, 4, 256, 4, 2, 32, 6_532_480),
}
PHASES = ["fwd", "train", "sample", "sample_cfg", "denoise"]


class Layer(nn.Module):
    def __init__(self, c, head_dim=64, expansion=4):
        super().__init__()
        self.heads = c // head_dim
        self.head_dim = head_dim
        self.norm1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm2 = nn.LayerNorm(c)
        self.fc1 = nn.Linear(c, expansion * c)
        self.fc2 = nn.Linear(expansion * c, c)

    def split(self, t):  # [B, T, C] -> [B, H, T, d]
        b, n, _ = t.shape
        return t.view(b, n, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, h, mask):
        b, n, c = h.shape
        q, k, v = self.qkv(self.norm1(h)).split(c, dim=-1)
        q, k, v = self.split(q), self.split(k), self.split(v)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask[:n, :n]
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c)
        h = h + self.proj(a)
        return h + self.fc2(F.gelu(self.fc1(self.norm2(h))))

    def decode(self, h, kc, vc, i, scales):
        """h [B, C]: token i; kc, vc [B, H, N, d] caches; scales [B, 1, 1, 1] logit scales."""
        b, c = h.shape
        q, k, v = self.qkv(self.norm1(h)).split(c, dim=-1)
        kc[:, :, i] = k.view(b, self.heads, self.head_dim)
        vc[:, :, i] = v.view(b, self.heads, self.head_dim)
        q = q.view(b, self.heads, 1, self.head_dim)
        s = (q @ kc[:, :, : i + 1].transpose(-1, -2)) * scales
        a = (s.softmax(-1) @ vc[:, :, : i + 1]).reshape(b, c)
        h = h + self.proj(a)
        return h + self.fc2(F.gelu(self.fc1(self.norm2(h))))


class Block(nn.Module):
    def __init__(self, n, d, c, layers, flip):
        super().__init__()
        self.flip = flip
        self.proj_in = nn.Linear(d, c)
        self.pos = nn.Parameter(torch.randn(n, c) * 0.01)
        self.layers = nn.ModuleList(Layer(c) for _ in range(layers))
        self.proj_out = nn.Linear(c, 2 * d)
        nn.init.zeros_(self.proj_out.weight)
        self.register_buffer("mask", torch.full((n, n), float("-inf")).triu(1))
        self.d = d

    def perm(self, x):
        return x.flip(1) if self.flip else x

    def forward(self, x):
        x = self.perm(x)
        pos = self.pos.flip(0) if self.flip else self.pos
        h = self.proj_in(x) + pos
        for layer in self.layers:
            h = layer(h, self.mask)
        o = self.proj_out(h)
        o = torch.cat([torch.zeros_like(o[:, :1]), o[:, :-1]], dim=1)
        alpha, mu = o[..., : self.d], o[..., self.d:]
        z = (x - mu) * torch.exp(-alpha)
        return self.perm(z), -alpha.mean(dim=(1, 2))

    @torch.no_grad()
    def reverse(self, x, temperature=None, guidance=0.0):
        x = self.perm(x).clone()
        pos = self.pos.flip(0) if self.flip else self.pos
        b, n, _ = x.shape
        guided = temperature is not None
        bt = 2 * b if guided else b
        c = self.proj_in.out_features
        layer0 = self.layers[0]
        caches = [(x.new_empty(bt, layer0.heads, n, layer0.head_dim),
                   x.new_empty(bt, layer0.heads, n, layer0.head_dim)) for _ in self.layers]
        scales = x.new_full((bt, 1, 1, 1), 1.0 / math.sqrt(layer0.head_dim))
        if guided:
            scales[b:] /= temperature
        for i in range(n - 1):
            tok = x[:, i]
            inp = torch.cat([tok, tok]) if guided else tok
            h = self.proj_in(inp) + pos[i]
            for layer, (kc, vc) in zip(self.layers, caches):
                h = layer.decode(h, kc, vc, i, scales)
            o = self.proj_out(h)
            if guided:
                o = o[:b] + guidance * (o[:b] - o[b:])
            alpha, mu = o[:, : self.d], o[:, self.d:]
            x[:, i + 1] = x[:, i + 1] * torch.exp(alpha) + mu
        return self.perm(x)


class TarFlow(nn.Module):
    def __init__(self, cin, img, patch, width, blocks, layers):
        super().__init__()
        self.cin, self.img, self.p = cin, img, patch
        n = (img // patch) ** 2
        d = cin * patch * patch
        self.blocks = nn.ModuleList(Block(n, d, width, layers, k % 2 == 1) for k in range(blocks))

    def patchify(self, x):  # [B, C, H, W] -> [B, N, C·P·P], feature index c·P·P + ky·P + kx
        b, c, hh, ww = x.shape
        p = self.p
        return x.reshape(b, c, hh // p, p, ww // p, p).permute(0, 2, 4, 1, 3, 5).reshape(b, -1, c * p * p)

    def unpatchify(self, z):
        b = z.shape[0]
        p, c, g = self.p, self.cin, self.img // self.p
        return z.reshape(b, g, g, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, g * p, g * p)

    def nll_per_sample(self, x):
        z = self.patchify(x)
        logdet = 0
        for blk in self.blocks:
            z, ld = blk(z)
            logdet = logdet + ld
        return 0.5 * z.pow(2).mean(dim=(1, 2)) - logdet

    @torch.no_grad()
    def sample(self, z, temperature=None, guidance=0.0):
        for blk in reversed(self.blocks):
            z = blk.reverse(z, temperature, guidance)
        return self.unpatchify(z)


def load_reference_state(model, path):
    """Loads a reference state_dict saved as safetensors (read here without the safetensors package)."""
    import struct
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    renames = [(".attn_blocks.", ".layers."), (".attention.norm.", ".norm1."), (".attention.qkv.", ".qkv."),
               (".attention.proj.", ".proj."), (".mlp.norm.", ".norm2."), (".mlp.main.0.", ".fc1."),
               (".mlp.main.2.", ".fc2."), (".pos_embed", ".pos")]
    state = {}
    for name, meta in header.items():
        if name == "__metadata__" or not name.startswith("blocks.") or name.endswith(("attn_mask", ".var")):
            continue
        lo, hi = meta["data_offsets"]
        array = np.frombuffer(data[lo:hi], dtype={"F32": np.float32, "F64": np.float64}[meta["dtype"]])
        for a, b in renames:
            name = name.replace(a, b)
        state[name] = torch.from_numpy(array.astype(np.float32).reshape(meta["shape"]))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith(".mask")]
    if missing or unexpected:
        sys.exit(f"torch-baseline: {path}: missing {missing}, unexpected {unexpected}")


def check_golden(folder):
    """This model against the reference's own outputs (../shared/golden/mnist_p4/uncond): latent, logdet, sample."""
    import numpy as np
    model = TarFlow(1, 28, 4, 128, 4, 2)
    load_reference_state(model, f"{folder}/model.safetensors")
    x = torch.from_numpy(np.load(f"{folder}/x.npy")).float()
    with torch.no_grad():
        z = model.patchify(x)
        logdet = 0
        for blk in model.blocks:
            z, ld = blk(z)
            logdet = logdet + ld
        sample = model.sample(torch.from_numpy(np.load(f"{folder}/eps.npy")).float())
    worst = {"z": (z.double() - torch.from_numpy(np.load(f"{folder}/z.npy"))).abs().max().item(),
             "logdet": (logdet.double() - torch.from_numpy(np.load(f"{folder}/logdet.npy"))).abs().max().item(),
             "sample": (sample.double() - torch.from_numpy(np.load(f"{folder}/sample.npy"))).abs().max().item()}
    # the golden README's float32 tolerances: about 1e-5 on z and plain samples, 1e-6 on logdet
    limits = {"z": 1e-5, "logdet": 1e-6, "sample": 1e-5}
    for key, value in worst.items():
        print(f"golden {key}: max |torch-baseline - reference| = {value:.2e} (limit {limits[key]:.0e})",
              file=sys.stderr)
    if any(worst[k] > limits[k] for k in worst):
        sys.exit("torch-baseline: the model does not reproduce the reference's outputs")


def timed(body, reps, warmup_s):
    start = time.perf_counter()
    body()
    while time.perf_counter() - start < warmup_s:
        body()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        body()
        ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms), min(ms), max(ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="B", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup-seconds", type=float, default=3.0)
    ap.add_argument("--phases", default=",".join(PHASES))
    ap.add_argument("--json")
    ap.add_argument("--check-golden", metavar="DIR",
                    help="first check the model against the reference's outputs in DIR (golden/mnist_p4/uncond)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check_golden:
        check_golden(args.check_golden)
    torch.manual_seed(0)
    cin, img, patch, width, blocks, layers, batch, expected = CONFIGS[args.config]
    model = TarFlow(cin, img, patch, width, blocks, layers)
    params = sum(p.numel() for p in model.parameters())
    if params != expected:
        sys.exit(f"torch-baseline: config {args.config} has {params} parameters, the bench's has {expected}")
    # proj_out starts at zero; small random weights make sampling and denoising do their real arithmetic
    with torch.no_grad():
        for blk in model.blocks:
            blk.proj_out.weight.normal_(0, 0.01)
    x = (0.5 * torch.randn(batch, cin, img, img)).clamp(-1, 1)
    n = (img // patch) ** 2
    d = cin * patch * patch
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(3)
    sigma = 0.1

    def fwd():
        with torch.no_grad():
            model.nll_per_sample(x).tolist()

    def train():
        loss = model.nll_per_sample(x + sigma * torch.randn_like(x)).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()

    def sample():
        model.sample(torch.randn(batch, n, d, generator=gen)).sum().item()

    def sample_cfg():
        model.sample(torch.randn(batch, n, d, generator=gen), temperature=1.3, guidance=1.0).sum().item()

    def denoise():
        xi = x.detach().requires_grad_(True)
        nll = model.nll_per_sample(xi).sum() * (n * d)
        (g,) = torch.autograd.grad(nll, xi)
        (x - sigma * sigma * g).sum().item()

    bodies = {"fwd": fwd, "train": train, "sample": sample, "sample_cfg": sample_cfg, "denoise": denoise}
    rows = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, config {args.config}: {params:,} parameters",
          file=sys.stderr)
    for phase in args.phases.split(","):
        med, lo, hi = timed(bodies[phase], args.reps, args.warmup_seconds)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        rows.append({"backend": "torch", "config": args.config, "phase": phase, "batch": batch,
                     "threads": args.threads, "median_ms": round(med, 3), "min_ms": round(lo, 3),
                     "max_ms": round(hi, 3), "peak_rss_mib": round(rss, 1)})
        print(f"  torch     {args.config:<10} {phase:<10} {med:9.1f} ms  ({lo:.1f}-{hi:.1f})", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
