"""Python PyTorch reference for `go run ./bench ppo`.

Times the PPO update phase of misgen's agents.PPOUpdate with Debian's
python3-torch (the same libtorch 1.13.1 the Go binding links): the same
IMPALA-style network, batch size, epochs, minibatches, loss (clipped
surrogate, clipped value loss, entropy bonus, per-minibatch advantage
normalisation), Adam (eps 1e-5) and global grad-norm clipping. With
"channels_last": true in the config the network converts its input to NHWC
storage first, as the Go policy does (idiomatic PyTorch code, like CleanRL's,
does not). Prints one
JSON object with the seconds of the fastest timed update.

Usage: /usr/bin/python3 ppo_update.py '<json config>'
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv0 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.conv1(F.relu(self.conv0(F.relu(x))))


class Impala(nn.Module):
    """conv3x3 -> maxpool3x3/2 -> res blocks per stage; relu, fc, relu, heads."""

    def __init__(self, obs_shape, actions, widths, res_blocks, hidden, channels_last=False):
        super().__init__()
        self.channels_last = channels_last
        c, h, w = obs_shape
        stages = []
        for out in widths:
            stages.append(nn.Conv2d(c, out, 3, padding=1))
            stages.append(nn.MaxPool2d(3, 2, 1))
            stages.extend(ResBlock(out) for _ in range(res_blocks))
            c, h, w = out, (h - 1) // 2 + 1, (w - 1) // 2 + 1
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(c * h * w, hidden)
        self.actor = nn.Linear(hidden, actions)
        self.critic = nn.Linear(hidden, 1)

    def forward(self, x):
        if self.channels_last:  # store NHWC, as misgen's Go policy does
            x = x.contiguous(memory_format=torch.channels_last)
        x = F.relu(self.fc(torch.flatten(F.relu(self.stages(x)), 1)))
        return self.actor(x), self.critic(x).reshape(-1)


def ppo_update(net, opt, data, cfg, gen):
    obs, act, old_logp, old_v, adv, ret = data
    batch = obs.shape[0]
    mb = batch // cfg["num_minibatches"]
    clip = cfg["clip_coef"]
    for _ in range(cfg["update_epochs"]):
        perm = torch.randperm(batch, generator=gen)
        for k in range(cfg["num_minibatches"]):
            idx = perm[k * mb:(k + 1) * mb]
            logits, value = net(obs[idx])
            logp = torch.log_softmax(logits, 1)
            new_logp = logp.gather(1, act[idx].unsqueeze(1)).reshape(-1)
            entropy = -(logp.exp() * logp).sum(1).mean()
            logratio = new_logp - old_logp[idx]
            ratio = logratio.exp()
            with torch.no_grad():
                approx_kl = ((ratio - 1) - logratio).mean()
                clip_frac = ((ratio - 1).abs() > clip).float().mean()
            a = adv[idx]
            a = (a - a.mean()) / (a.std() + 1e-8)
            pg = torch.max(-a * ratio, -a * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
            unclipped = (value - ret[idx]) ** 2
            v_clipped = old_v[idx] + torch.clamp(value - old_v[idx], -clip, clip)
            v_loss = 0.5 * torch.max(unclipped, (v_clipped - ret[idx]) ** 2).mean()
            loss = pg - cfg["ent_coef"] * entropy + cfg["vf_coef"] * v_loss
            # The Go update reads these scalars each minibatch (NaN guard and
            # logging); read them here too so both sides do the same work.
            _ = [x.item() for x in (loss, pg, v_loss, entropy, approx_kl, clip_frac)]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), cfg["max_grad_norm"])
            opt.step()


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    c, h, w = cfg["obs_shape"]
    n = cfg["batch"]
    net = Impala(cfg["obs_shape"], cfg["actions"], cfg["widths"], cfg["res_blocks"], cfg["hidden"],
                 cfg.get("channels_last", False))
    opt = torch.optim.Adam(net.parameters(), lr=cfg["learning_rate"], eps=1e-5)
    obs = (torch.rand(n, c, h, w) < 0.1).float()
    act = torch.randint(0, cfg["actions"], (n,))
    old_logp = torch.full((n,), -2.7)
    old_v = torch.randn(n)
    adv = torch.randn(n)
    ret = old_v + adv
    data = (obs, act, old_logp, old_v, adv, ret)
    ppo_update(net, opt, data, cfg, gen)  # warm-up
    best = float("inf")
    for _ in range(cfg["reps"]):  # the fastest update counts, as in the Go timing
        t0 = time.perf_counter()
        ppo_update(net, opt, data, cfg, gen)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"update_s": best}))


if __name__ == "__main__":
    main()
