"""Loaders for the files `experiments export` writes.

    ex = misgen.Export("results/coinrun-ood/quick-.../export")
    policy = ex.policy(seed=0)                  # a torch.nn.Module
    acts = ex.activations("random_coin", "fc")  # float32 [N, d]
    concepts = ex.concepts("random_coin")       # record array, named columns

Every loader checks what it reads against what it expects (tensor names,
shapes and dtypes, array shapes and dtypes) and raises ValueError naming the
file and the tensor or column that differs.
"""
import json
import os

import numpy as np
import torch

from . import modules, safetensors


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
    """Loads an SAE file (saes/<layer>.<name>.safetensors) into TopKSAE or
    ReLUSAE. The module also carries layer, name, kind and metadata
    (metrics parsed into sae.metrics)."""
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

    def sae(self, layer, name):
        for s in self.index["saes"]:
            if s["layer"] == layer and s["name"] == name:
                return load_sae(self._file(s["file"]))
        raise KeyError(f"no SAE {name} at layer {layer}; have {[(s['layer'], s['name']) for s in self.index['saes']]}")

    def _variant(self, variant):
        for v in (self.acts_index or {}).get("variants", []):
            if v["name"] == variant:
                return v
        raise KeyError(f"no activations of variant {variant!r}; have {self.variants}")

    def activations(self, variant, layer, mmap=True):
        """Float32 [N, d]: row i is the layer's output (flattened in C
        order) at the step described by row i of concepts(variant)."""
        v = self._variant(variant)
        d = {l["name"]: l["d"] for l in self.acts_index["layers"]}[layer]
        arr = np.load(self._file(os.path.join("activations", v["activations"][layer])), mmap_mode="r" if mmap else None)
        if arr.dtype != np.dtype("<f4") or arr.shape != (v["rows"], d):
            raise ValueError(f"activations {variant}.{layer}: {arr.dtype} {arr.shape}, want float32 ({v['rows']}, {d})")
        return arr

    def concepts(self, variant):
        """A NumPy record array with one named column per concept
        (activations/index.json "concept_columns"); pandas.DataFrame(it)."""
        v = self._variant(variant)
        arr = np.load(self._file(os.path.join("activations", v["concepts"])))
        want = [(c["name"], c["dtype"]) for c in self.acts_index["concept_columns"]]
        got = [(n, arr.dtype.fields[n][0].str) for n in (arr.dtype.names or ())]
        if got != want or arr.shape != (v["rows"],):
            raise ValueError(f"concepts {variant}: columns {got} shape {arr.shape}, want {want} ({v['rows']},)")
        return arr

    def outcomes_csv(self):
        """Path of outcomes.csv (pandas.read_csv reads it directly)."""
        return self._file(self.index["outcomes"])
