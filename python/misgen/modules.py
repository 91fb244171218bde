"""Reference PyTorch modules of misgen's policies and SAEs.

Each module's state_dict keys are exactly the tensor names of misgen's
exported files (e.g. "stage0.conv.w", "actor.b", "w_enc"), so
module.load_state_dict(tensors, strict=True) loads an export, and the
forward passes follow agents/policy_*.go and interp/sae.go operation by
operation. Linear weights are [out, in] (y = x w^T + b) and convolution
weights [out, in, kh, kw], as in torch.nn.

A policy's forward(obs, hook=None) takes float32 observations [N, C, H, W]
and returns (logits [N, actions], value [N]). hook(layer, act) is called at
every named layer (module.layers, the same hook points as misgen's) and may
return a replacement tensor (None keeps act): use it to capture activations
or splice in an SAE.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Linear(nn.Module):
    """y = x w^T + b with parameters w [out, in] and b [out] (b optional)."""

    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(n_out, n_in))
        self.b = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x):
        return F.linear(x, self.w, self.b)


class Conv3x3(nn.Module):
    """A 3x3 convolution, stride 1, padding 1: w [out, in, 3, 3], b [out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(n_out, n_in, 3, 3))
        self.b = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return F.conv2d(x, self.w, self.b, stride=1, padding=1)


def _hook(hook, name, act):
    if hook is None:
        return act
    out = hook(name, act)
    return act if out is None else out


class Policy(nn.Module):
    """Shared actor ("actor.w/b") and critic ("critic.w/b") heads."""

    def _heads(self, n_in, num_actions):
        self.actor = Linear(n_in, num_actions)
        self.critic = Linear(n_in, 1)

    def _out(self, h):
        return self.actor(h), self.critic(h).reshape(-1)


class _ResBlock(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.conv0 = Conv3x3(n, n)
        self.conv1 = Conv3x3(n, n)

    def forward(self, x, hook=None, name=""):
        y = _hook(hook, name + ".relu0", F.relu(x))
        y = _hook(hook, name + ".relu1", F.relu(self.conv0(y)))
        return x + self.conv1(y)


class _Stage(nn.Module):
    def __init__(self, n_in, n_out, res_blocks):
        super().__init__()
        self.conv = Conv3x3(n_in, n_out)
        for r in range(res_blocks):
            self.add_module(f"res{r}", _ResBlock(n_out))
        self.res_blocks = res_blocks

    def forward(self, x, hook=None, name=""):
        x = F.max_pool2d(self.conv(x), kernel_size=3, stride=2, padding=1)
        for r in range(self.res_blocks):
            x = getattr(self, f"res{r}")(x, hook, f"{name}.res{r}")
        return x


class Impala(Policy):
    """IMPALA CNN (agents/policy_impala.go): per stage a 3x3 conv, a 3x3
    max-pool with stride 2 and padding 1 and residual blocks; then relu,
    flatten (C, H, W order), fc + relu and the heads. Hooks, in forward
    order: "stage<i>.res<r>.relu0" and ".relu1" (the two ReLUs of each
    residual block), "stage<i>" (each stage's output), "trunk.relu" (the
    last stage's output after its ReLU) and "fc". misgen stores the input
    NHWC internally (channels_last); that changes memory layout only, not
    values."""

    def __init__(self, obs_shape, num_actions, widths, res_blocks, hidden):
        super().__init__()
        c, h, w = obs_shape
        self.layers = []
        for i, out in enumerate(widths):
            self.add_module(f"stage{i}", _Stage(c, out, res_blocks))
            for r in range(res_blocks):
                self.layers += [f"stage{i}.res{r}.relu0", f"stage{i}.res{r}.relu1"]
            self.layers.append(f"stage{i}")
            c, h, w = out, (h - 1) // 2 + 1, (w - 1) // 2 + 1
        self.fc = Linear(c * h * w, hidden)
        self.layers += ["trunk.relu", "fc"]
        self.n_stages = len(widths)
        self._heads(hidden, num_actions)

    def forward(self, obs, hook=None):
        x = obs
        for i in range(self.n_stages):
            x = _hook(hook, f"stage{i}", getattr(self, f"stage{i}")(x, hook, f"stage{i}"))
        x = _hook(hook, "trunk.relu", F.relu(x))
        x = F.relu(self.fc(torch.flatten(x, 1)))
        return self._out(_hook(hook, "fc", x))


class MLP(Policy):
    """ReLU MLP (agents/policy_mlp.go): flatten, then `layers` times
    fc<i> + relu. Hooks: "fc0", "fc1", ... (after each relu)."""

    def __init__(self, obs_shape, num_actions, hidden, layers):
        super().__init__()
        n = obs_shape[0] * obs_shape[1] * obs_shape[2]
        self.layers = []
        for i in range(layers):
            self.add_module(f"fc{i}", Linear(n, hidden))
            self.layers.append(f"fc{i}")
            n = hidden
        self._heads(n, num_actions)

    def forward(self, obs, hook=None):
        x = torch.flatten(obs, 1)
        for name in self.layers:
            x = _hook(hook, name, F.relu(getattr(self, name)(x)))
        return self._out(x)


class Bilinear(Policy):
    """Bilinear policy (agents/policy_bilinear.go): e = embed(flatten(obs)),
    h = e + (e W^T) * (e V^T), then the heads. W = "bilinear.w" and V =
    "bilinear.v" have no bias. Hooks: "embed" (e) and "bilinear" (the product
    term only, before the residual sum)."""

    def __init__(self, obs_shape, num_actions, hidden):
        super().__init__()
        n = obs_shape[0] * obs_shape[1] * obs_shape[2]
        self.embed = Linear(n, hidden)
        self.bilinear = nn.Module()
        self.bilinear.w = nn.Parameter(torch.zeros(hidden, hidden))
        self.bilinear.v = nn.Parameter(torch.zeros(hidden, hidden))
        self.layers = ["embed", "bilinear"]
        self._heads(hidden, num_actions)

    def forward(self, obs, hook=None):
        e = _hook(hook, "embed", self.embed(torch.flatten(obs, 1)))
        q = F.linear(e, self.bilinear.w) * F.linear(e, self.bilinear.v)
        q = _hook(hook, "bilinear", q)
        return self._out(e + q)


class SAE(nn.Module):
    """Sparse autoencoder (interp/sae.go): z = f(w_enc (x - b_pre) + b_enc),
    x_hat = w_dec z + b_pre. Parameters w_enc [latents, d_in], b_enc
    [latents], w_dec [d_in, latents], b_pre [d_in]."""

    def __init__(self, d_in, latents):
        super().__init__()
        self.w_enc = nn.Parameter(torch.zeros(latents, d_in))
        self.b_enc = nn.Parameter(torch.zeros(latents))
        self.w_dec = nn.Parameter(torch.zeros(d_in, latents))
        self.b_pre = nn.Parameter(torch.zeros(d_in))

    def pre_acts(self, x):
        return F.linear(x - self.b_pre, self.w_enc, self.b_enc)

    def encode(self, x):
        return self.activate(self.pre_acts(x))

    def decode(self, z):
        return F.linear(z, self.w_dec, self.b_pre)

    def forward(self, x):
        """Returns (x_hat, z)."""
        z = self.encode(x)
        return self.decode(z), z


class ReLUSAE(SAE):
    """Cunningham et al.'s SAE (kind "relu_l1"): f = relu."""

    def activate(self, pre):
        return F.relu(pre)


class TopKSAE(SAE):
    """TopK SAE (kind "topk"): the relu of each row's k largest
    pre-activations, every other latent exactly zero."""

    def __init__(self, d_in, latents, k):
        super().__init__(d_in, latents)
        self.k = k

    def activate(self, pre):
        vals, idx = pre.topk(self.k, dim=1)
        return torch.zeros_like(pre).scatter(1, idx, F.relu(vals))


def site_rows(act, per_position):
    """A hook point's output as the rows an SAE of its site reads (misgen's
    interp.Site): per position, [B, C, H, W] -> [B*H*W, C], row
    (b*H + h)*W + w holding the C channels at (h, w) of sample b; flat,
    [B, ...] -> [B, d]. Works on torch tensors and NumPy arrays."""
    if per_position:
        if act.ndim != 4:
            raise ValueError(f"a per-position site reads [B, C, H, W], got shape {tuple(act.shape)}")
        b, c, h, w = act.shape
        perm = act.permute(0, 2, 3, 1) if isinstance(act, torch.Tensor) else act.transpose(0, 2, 3, 1)
        return perm.reshape(b * h * w, c)
    return act.reshape(act.shape[0], -1)


def site_unrows(rows, shape, per_position):
    """The inverse of site_rows: rows back to a hook point's output of
    per-sample shape (e.g. [C, H, W]), [N, *shape]."""
    shape = tuple(int(s) for s in shape)
    if per_position:
        c, h, w = shape
        x = rows.reshape(-1, h, w, c)
        return x.permute(0, 3, 1, 2) if isinstance(x, torch.Tensor) else x.transpose(0, 3, 1, 2)
    return rows.reshape(-1, *shape)
