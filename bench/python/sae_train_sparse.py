"""Best-practice Python PyTorch reference for `go run ./bench sae`.

Trains the same TopK SAE as bench/python/sae_train.py, but the way
EleutherAI's sparsify trains one: the decoder never sees a dense code. The
encoder is one autograd Function (linear, top-k, ReLU of the k values) whose
backward touches only the k selected latents per row (embedding_bag for the
input gradient, index_add_ for the weight and bias rows); the decoder is
torch.nn.functional.embedding_bag over the (indices, values) pairs with the
dictionary stored as rows [latents, d_in], so its backward also touches only
the rows used. Firing counts come from a bincount of the fired indices.
Everything else (batch sampling by index, summed squared error over the
batch, Adam, unit-norm decoder rows after each step, firing counts and the
loss read back every step) is as in sae_train.py.

torch 1.13 (Debian's python3-torch) has no torch.compile, so this is eager
PyTorch.

Usage: /usr/bin/python3 sae_train_sparse.py THREADS STEPS WARMUP D_IN LATENTS K BATCH ROWS [REPEATS]
Prints {"train_s": seconds}, the minimum over REPEATS (default 1) runs.
"""
import time

import torch
import torch.nn.functional as F

import sae_train  # the shared command line and timing loop (this directory)


class TopKEncoder(torch.autograd.Function):
    """(x, w [latents, d], b, k) -> ReLU'd top-k values and their indices."""

    @staticmethod
    def forward(ctx, x, w, b, k):
        vals, idx = F.linear(x, w, b).topk(k, 1, sorted=False)
        vals = vals.relu()
        ctx.save_for_backward(x, w, idx, vals)
        return vals, idx

    @staticmethod
    def backward(ctx, g_vals, _g_idx):
        x, w, idx, vals = ctx.saved_tensors
        g = g_vals * (vals > 0)  # the ReLU's gradient
        flat = idx.flatten()
        g_x = F.embedding_bag(idx, w, mode="sum", per_sample_weights=g)
        rows = (g.unsqueeze(2) * x.unsqueeze(1)).flatten(0, 1)
        g_w = torch.zeros_like(w).index_add_(0, flat, rows)
        g_b = torch.zeros(w.shape[0], dtype=w.dtype).index_add_(0, flat, g.flatten())
        return g_x, g_w, g_b, None


def make_sae(d_in, latents, center):
    dec = torch.randn(latents, d_in)
    dec = dec / dec.norm(dim=1, keepdim=True)
    return {
        "w_enc": dec.clone().requires_grad_(),
        "b_enc": torch.zeros(latents, requires_grad=True),
        "w_dec": dec.requires_grad_(),  # rows are dictionary directions
        "b_pre": center.clone().requires_grad_(),
    }


def train(p, data, steps, batch, k, seed):
    opt = torch.optim.Adam(list(p.values()), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    latents = p["b_enc"].shape[0]
    since = torch.zeros(latents, dtype=torch.long)
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, data.shape[0], (batch,), generator=gen)
        x = data.index_select(0, idx)
        vals, top = TopKEncoder.apply(x - p["b_pre"], p["w_enc"], p["b_enc"], k)
        x_hat = F.embedding_bag(top, p["w_dec"], mode="sum", per_sample_weights=vals) + p["b_pre"]
        loss = (x_hat - x).square().sum() / batch
        with torch.no_grad():
            fired = torch.bincount(top[vals > 0], minlength=latents) > 0
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            w = p["w_dec"]
            w.div_(w.norm(dim=1, keepdim=True).clamp(1e-12))
        since = torch.where(fired, 0, since + batch)
        since.tolist()
        loss.item()
    return time.perf_counter() - t0


if __name__ == "__main__":
    sae_train.main(make_sae, train)
