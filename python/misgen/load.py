"""Loaders for the files `experiments export` writes.

    ex = misgen.Export("runs/coinrun-ood/quick-.../export")
    policy = ex.policy(seed=0)                        # a torch.nn.Module
    acts = ex.activations("random_coin", "stage1/pos")  # float32 [N*H*W, C]: what the SAEs read
    sae = ex.sae("stage1/pos", "local-64-L04")        # ex.fvu(sae) == sae.metrics["fvu"]
    obs = ex.observations("random_coin")              # float32 [N, C, H, W]
    concepts = ex.concepts("random_coin")             # record array, one row per observation

Activations are named by site, as the interp summary and the SAEs name
them: "fc" (a layer read flat, one row per step) or "stage1/pos" (a conv
layer read per spatial position, H*W rows of C channels per step). File
names write the "/" as "_".

Every loader checks what it reads against what it expects (tensor names,
shapes and dtypes, array shapes and dtypes) and raises ValueError naming the
file and the tensor or column that differs.
"""
import json
import os

import numpy as np
import torch

from . import modules, safetensors
from .modules import site_rows, site_unrows


def _tensors(path, fmt):
    tensors, meta = safetensors.read(path)
    if meta.get("format") != fmt:
        raise ValueError(f"{path}: format {meta.get('format')!r}, want {fmt!r}")
    return tensors, meta


def _load_state(module, tensors, path):
    """Loads tensors into module after checking that names, shapes and
    dtypes (float32) match its parameters exactly."""
    want = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    missing = sorted(set(want) - set(tensors))
    extra = sorted(set(tensors) - set(want))
    if missing or extra:
        raise ValueError(f"{path}: tensor names differ from the module's: missing {missing}, unexpected {extra}")
    for name, shape in want.items():
        arr = tensors[name]
        if arr.dtype != np.dtype("<f4"):
            raise ValueError(f"{path}: tensor {name!r} has dtype {arr.dtype}, want float32 (F32)")
        if tuple(arr.shape) != shape:
            raise ValueError(f"{path}: tensor {name!r} has shape {list(arr.shape)}, want {list(shape)}")
    module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    return module.eval()


def build_policy(meta):
    """Builds the (untrained) module a policy file's metadata describes."""
    cfg = json.loads(meta["config"])
    obs_shape = json.loads(meta["obs_shape"])
    actions = int(meta["num_actions"])
    arch = cfg["arch"]
    if arch == "impala":
        return modules.Impala(obs_shape, actions, cfg["widths"], cfg["res_blocks"], cfg["hidden"])
    if arch == "mlp":
        return modules.MLP(obs_shape, actions, cfg["hidden"], cfg["layers"])
    if arch == "bilinear":
        return modules.Bilinear(obs_shape, actions, cfg["hidden"])
    raise ValueError(f"unknown policy arch {arch!r}")


def load_policy(path):
    """Loads a policy file (policies/seed-<s>.safetensors) into its
    reference module. The module also carries obs_shape, action_names,
    channel_names and the raw metadata."""
    tensors, meta = _tensors(path, "misgen.policy")
    m = build_policy(meta)
    _load_state(m, tensors, path)
    if json.loads(meta["layers"]) != m.layers:
        raise ValueError(f"{path}: hook points {meta['layers']} differ from the module's {m.layers}")
    m.obs_shape = tuple(json.loads(meta["obs_shape"]))
    m.action_names = json.loads(meta["action_names"])
    m.channel_names = json.loads(meta["channel_names"])
    m.metadata = meta
    return m


def load_sae(path):
    """Loads an SAE file (saes/<site>.<name>.safetensors) into TopKSAE or
    ReLUSAE. The module also carries site ("fc", "stage1/pos"), layer (the
    policy hook point), per_position, name, kind and metadata (metrics
    parsed into sae.metrics)."""
    tensors, meta = _tensors(path, "misgen.sae")
    d_in, latents, kind = int(meta["d_in"]), int(meta["latents"]), meta["kind"]
    if kind == "topk":
        m = modules.TopKSAE(d_in, latents, int(meta["k"]))
    elif kind == "relu_l1":
        m = modules.ReLUSAE(d_in, latents)
    else:
        raise ValueError(f"{path}: unknown SAE kind {kind!r}")
    _load_state(m, tensors, path)
    m.layer, m.name, m.kind, m.metadata = meta["layer"], meta["name"], kind, meta
    m.per_position = meta.get("rows") == "per_position"
    m.site = meta["layer"] + ("/pos" if m.per_position else "")
    if meta.get("site", m.site) != m.site:
        raise ValueError(f"{path}: site {meta['site']!r} disagrees with layer {meta['layer']!r} read {meta.get('rows')!r}")
    m.metrics = json.loads(meta["metrics"]) if "metrics" in meta else None
    return m


def load_check(path):
    """A check file's arrays (name -> NumPy array) and metadata."""
    return _tensors(path, "misgen.check")


class Export:
    """An export directory (index.json at its root)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        with open(os.path.join(self.path, "index.json")) as f:
            self.index = json.load(f)
        self.acts_index = None
        if self.index.get("activations"):
            with open(os.path.join(self.path, self.index["activations"])) as f:
                self.acts_index = json.load(f)

    def _file(self, rel):
        return os.path.join(self.path, rel)

    @property
    def seeds(self):
        return [p["seed"] for p in self.index["policies"]]

    @property
    def variants(self):
        return [v["name"] for v in self.acts_index["variants"]] if self.acts_index else []

    def policy(self, seed):
        for p in self.index["policies"]:
            if p["seed"] == seed:
                return load_policy(self._file(p["file"]))
        raise KeyError(f"no policy of seed {seed}; seeds: {self.seeds}")

    def sae(self, site, name):
        """The SAE called name at site ("fc", "stage1/pos": index.json
        saes[].site)."""
        for s in self.index["saes"]:
            if s["site"] == site and s["name"] == name:
                return load_sae(self._file(s["file"]))
        have = [(s["site"], s["name"]) for s in self.index["saes"]]
        raise KeyError(f"no SAE {name} at site {site!r}{self._site_hint(site)}; have {have}")

    def _site_hint(self, name):
        sites = [s["site"] for s in (self.acts_index or {}).get("sites", [])] + [s["site"] for s in self.index["saes"]]
        for s in sites:
            if s != name and s.split("/")[0] == name:
                return f" (layer {name} is read per position: site {s!r})"
        return ""

    def site(self, site):
        """The site's entry of activations/index.json: layer, layer_shape,
        per_position, rows_per_sample and d."""
        for s in (self.acts_index or {}).get("sites", []):
            if s["site"] == site:
                return s
        have = [s["site"] for s in (self.acts_index or {}).get("sites", [])]
        raise KeyError(f"no activations at site {site!r}{self._site_hint(site)}; have {have}")

    def _variant(self, variant):
        for v in (self.acts_index or {}).get("variants", []):
            if v["name"] == variant:
                return v
        raise KeyError(f"no activations of variant {variant!r}; have {self.variants}")

    def activations(self, variant, site, mmap=True):
        """Float32 [N * rows_per_sample, d]: the rows the site's SAEs read,
        as they read them (sae(x) takes them unchanged). A flat site ("fc")
        has one row per captured step, row i that of concepts(variant) row
        i. A per-position site ("stage1/pos") has H*W rows per step: row r
        holds the C channels at position r % (H*W) (row-major h, w) of step
        r // (H*W); layer_output gives them as [N, C, H, W]."""
        v, s = self._variant(variant), self.site(site)
        arr = np.load(self._file(os.path.join("activations", v["activations"][site])), mmap_mode="r" if mmap else None)
        want = (v["rows"] * s["rows_per_sample"], s["d"])
        if arr.dtype != np.dtype("<f4") or arr.shape != want:
            raise ValueError(f"activations {variant}.{s['file']}: {arr.dtype} {arr.shape}, want float32 {want}")
        return arr

    def layer_output(self, variant, layer):
        """Float32 [N, *layer_shape]: the policy's hook point layer (e.g.
        "stage1" -> [N, C, H, W]) at every captured step, as
        policy(obs, hook=...) passes it; row i is concepts(variant) row i."""
        for s in (self.acts_index or {}).get("sites", []):
            if s["layer"] == layer:
                return site_unrows(np.asarray(self.activations(variant, s["site"])), s["layer_shape"], s["per_position"])
        raise KeyError(f"layer {layer!r} was not captured; sites: {[s['site'] for s in self.acts_index['sites']]}")

    def observations(self, variant, mmap=True):
        """Float32 [N, C, H, W]: the observation the policy saw at each
        captured step (row i is concepts(variant) row i; its episode,
        level_seed and t columns name the step)."""
        v = self._variant(variant)
        if not v.get("observations"):
            raise KeyError(f"no observations of variant {variant!r}: " + " ".join(self.acts_index.get("notes", [])))
        arr = np.load(self._file(os.path.join("activations", v["observations"])), mmap_mode="r" if mmap else None)
        want = (v["rows"], *self.acts_index["obs_shape"])
        if arr.dtype != np.dtype("<f4") or arr.shape != want:
            raise ValueError(f"observations {variant}: {arr.dtype} {arr.shape}, want float32 {want}")
        return arr

    def concepts(self, variant):
        """A NumPy record array with one named column per concept
        (activations/index.json "concept_columns"), one row per captured
        step; pandas.DataFrame(it)."""
        v = self._variant(variant)
        arr = np.load(self._file(os.path.join("activations", v["concepts"])))
        want = [(c["name"], c["dtype"]) for c in self.acts_index["concept_columns"]]
        got = [(n, arr.dtype.fields[n][0].str) for n in (arr.dtype.names or ())]
        if got != want or arr.shape != (v["rows"],):
            raise ValueError(f"concepts {variant}: columns {got} shape {arr.shape}, want {want} ({v['rows']},)")
        return arr

    def held_out_rows(self, site):
        """Float32 [M, d]: the site's rows of the episodes the interp stage
        held out of SAE training (concept held_out), pooled over the
        variants in index order: the rows SAE metrics are measured on."""
        rps = self.site(site)["rows_per_sample"]
        parts = [np.asarray(self.activations(v, site))[np.repeat(self.concepts(v)["held_out"], rps)] for v in self.variants]
        return np.concatenate(parts)

    def fvu(self, sae, rows=None):
        """The fraction of variance sae leaves unexplained on rows (default
        held_out_rows(sae.site)), as misgen measures it: sum |x - x_hat|^2
        over sum |x - mean(x)|^2. On the default rows it reproduces
        sae.metrics["fvu"] (to the float16 rounding of stored activations)."""
        x = torch.from_numpy(np.array(self.held_out_rows(sae.site) if rows is None else rows, dtype=np.float32))
        with torch.no_grad():
            x_hat, _ = sae(x)
        x, x_hat = x.double(), x_hat.double()
        return float(((x_hat - x) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())

    def outcomes_csv(self):
        """Path of outcomes.csv (pandas.read_csv reads it directly)."""
        return self._file(self.index["outcomes"])
