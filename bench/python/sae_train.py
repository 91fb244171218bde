"""Python PyTorch reference for `go run ./bench sae`.

Trains the same TopK SAE as bench/sae.go (interp.Train) with Debian's
python3-torch and prints {"train_s": seconds} for the timed steps. Each step
does what the Go trainer does: sample a batch by index, encode (top-k of the
pre-activations, ReLU, scatter), decode, summed squared error averaged over
the batch, Adam step, decoder columns renormalised, firing counts copied to
the host for dead-latent tracking.

Usage: /usr/bin/python3 sae_train.py THREADS STEPS WARMUP D_IN LATENTS K BATCH ROWS [REPEATS]
Prints the minimum over REPEATS (default 1) runs.
"""
import json
import sys
import time

import torch


def make_sae(d_in, latents, center):
    dec = torch.randn(d_in, latents)
    dec = dec / dec.norm(dim=0, keepdim=True)
    params = {
        "w_enc": dec.t().clone().requires_grad_(),
        "b_enc": torch.zeros(latents, requires_grad=True),
        "w_dec": dec.requires_grad_(),
        "b_pre": center.clone().requires_grad_(),
    }
    return params


def train(params, data, steps, batch, k, seed):
    opt = torch.optim.Adam(list(params.values()), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    since = [0] * params["b_enc"].shape[0]
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, data.shape[0], (batch,), generator=gen)
        x = data.index_select(0, idx)
        pre = torch.nn.functional.linear(x - params["b_pre"], params["w_enc"], params["b_enc"])
        vals, ind = pre.topk(k, 1)
        z = torch.zeros_like(pre).scatter(1, ind, torch.relu(vals))
        x_hat = torch.nn.functional.linear(z, params["w_dec"], params["b_pre"])
        loss = (x_hat - x).square().sum() / batch
        fired = (z > 0).float().sum(0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            w = params["w_dec"]
            w.copy_(w / w.norm(dim=0, keepdim=True).clamp(1e-12))
        for i, f in enumerate(fired.tolist()):
            since[i] = 0 if f > 0 else since[i] + batch
        loss.item()
    return time.perf_counter() - t0


def main(make_sae=make_sae, train=train):
    """Reads the command line, warms up, times REPEATS trainings of a fresh
    SAE from make_sae with train and prints the fastest; sae_train_sparse.py
    passes its own make_sae and train."""
    threads, steps, warmup, d_in, latents, k, batch, rows = map(int, sys.argv[1:9])
    repeats = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    data = torch.randn(rows, d_in)
    center = data.mean(0)
    train(make_sae(d_in, latents, center), data, warmup, batch, k, 1)
    secs = min(train(make_sae(d_in, latents, center), data, steps, batch, k, 1) for _ in range(repeats))
    print(json.dumps({"train_s": secs}))


if __name__ == "__main__":
    main()
