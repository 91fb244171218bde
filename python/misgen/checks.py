"""Proves the reference modules compute what misgen computed.

verify(export_dir) runs every policy on its check batch (observations
misgen recorded, with misgen's logits, values and layer outputs) and every
SAE on its check batch (activations with misgen's codes and
reconstructions), and checks every activation and concept array against the
shapes and dtypes activations/index.json promises, runs the captured
policy on the exported observations to reproduce the exported activations
of every site (to float16 rounding), and checks that every SAE reconstructs
its site's held-out rows with the FVU misgen recorded. It raises
VerifyError on the first mismatch and otherwise returns the largest errors
it saw.

A result matches when max |ours - misgen's| <= tol * max(1, max |misgen's|)
(absolute for values of order one, relative beyond); tol defaults to 1e-5.
"""
import os

import numpy as np
import torch

from .load import Export, load_check, load_policy, load_sae
from .modules import site_rows


class VerifyError(AssertionError):
    pass


def _compare(what, ours, ref, tol):
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    if ours.shape != ref.shape:
        raise VerifyError(f"{what}: shape {ours.shape}, misgen's {ref.shape}")
    err = float(np.max(np.abs(ours.astype(np.float64) - ref))) if ref.size else 0.0
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    if not err <= tol * scale:
        raise VerifyError(f"{what}: max |difference| {err:.3g} exceeds {tol:g} x {scale:.3g}")
    return err / scale


def verify_policy(path, check_path, tol=1e-5):
    """Checks one policy against its check file; returns {name: error}."""
    policy = load_policy(path)
    check, _ = load_check(check_path)
    obs = torch.from_numpy(np.array(check["obs"]))
    seen = {}

    def hook(layer, act):
        seen[layer] = act

    with torch.no_grad():
        logits, values = policy(obs, hook=hook)
    name = os.path.basename(path)
    out = {"logits": _compare(f"{name} logits", logits, check["logits"], tol),
           "values": _compare(f"{name} values", values, check["values"], tol)}
    for layer in policy.layers:
        ref = check.get("layer." + layer)
        if ref is None:
            raise VerifyError(f"{check_path}: no misgen output of layer {layer}")
        out[layer] = _compare(f"{name} layer {layer}", seen[layer], ref, tol)
    if logits.abs().max() == 0 and values.abs().max() == 0:
        raise VerifyError(f"{name}: all outputs are zero; the comparison would prove nothing")
    return out


def verify_sae(path, check_path, tol=1e-5):
    """Checks one SAE against its check file; returns {name: error}."""
    sae = load_sae(path)
    check, _ = load_check(check_path)
    with torch.no_grad():
        x_hat, z = sae(torch.from_numpy(np.array(check["input"])))
    name = os.path.basename(path)
    return {"codes": _compare(f"{name} codes", z, check["codes"], tol),
            "reconstruction": _compare(f"{name} reconstruction", x_hat, check["reconstruction"], tol)}


def verify_observations(ex, tol=1e-3, chunk=4096):
    """Runs the captured policy on every exported observation and checks
    that its hook points, read at each site (site_rows), give the exported
    activations. tol covers the float16 the interp stage stores activations
    at. Returns {"<variant> -> <site>": largest relative error}."""
    seed = ex.acts_index["policy_seed"]
    policy = ex.policy(seed)
    worst = {}
    for v in ex.variants:
        obs = ex.observations(v)
        for lo in range(0, len(obs), chunk):
            seen = {}
            with torch.no_grad():
                policy(torch.from_numpy(np.array(obs[lo:lo + chunk])), hook=lambda layer, act: seen.__setitem__(layer, act))
            for site in ex.acts_index["sites"]:
                rps = site["rows_per_sample"]
                ours = site_rows(seen[site["layer"]], site["per_position"])
                ref = np.asarray(ex.activations(v, site["site"])[lo * rps:(lo + chunk) * rps], dtype=np.float64)
                key = f"{v} -> {site['site']}"
                err = _compare(f"seed {seed} on {v} observations, site {site['site']}", ours, ref, tol)
                worst[key] = max(worst.get(key, 0.0), err)
    return worst


def fvu_agrees(ours, recorded, rtol=0.01, atol=1e-4):
    """Whether an FVU measured on exported rows matches the recorded one:
    within rtol relative plus atol absolute, room for the float16 the
    interp stage stores activations at."""
    return abs(ours - recorded) <= rtol * abs(recorded) + atol


def verify_fvu(ex, entry):
    """Checks that an SAE reconstructs the exported held-out rows of its
    site with the FVU misgen recorded (sae.metrics["fvu"]; fvu_agrees).
    Returns the relative difference, or None when no FVU was recorded."""
    sae = load_sae(ex._file(entry["file"]))
    if not sae.metrics or "fvu" not in sae.metrics:
        return None
    ours, rec = ex.fvu(sae), sae.metrics["fvu"]
    if not fvu_agrees(ours, rec):
        raise VerifyError(f"{entry['file']}: FVU {ours:.5g} on the exported held-out rows, misgen recorded {rec:.5g}")
    return abs(ours - rec) / max(abs(rec), 1e-12)


def verify(export_dir, tol=1e-5):
    """Verifies a whole export; returns {file: {quantity: relative error}}."""
    ex = Export(export_dir)
    report = {}
    for p in ex.index["policies"]:
        if p.get("check"):
            report[p["file"]] = verify_policy(ex._file(p["file"]), ex._file(p["check"]), tol)
    for s in ex.index["saes"]:
        if s.get("check"):
            report[s["file"]] = verify_sae(ex._file(s["file"]), ex._file(s["check"]), tol)
    for v in ex.variants:
        for site in ex.acts_index["sites"]:
            a = ex.activations(v, site["site"])
            if not np.isfinite(a).all():
                raise VerifyError(f"activations {v}.{site['file']}: non-finite values")
        ex.concepts(v)
    if ex.acts_index and ex.acts_index.get("obs_shape"):
        report["activations/*.obs.npy"] = verify_observations(ex)
    for s in ex.index["saes"]:
        if ex.acts_index and any(x["site"] == s["site"] for x in ex.acts_index["sites"]):
            fvu = verify_fvu(ex, s)
            if fvu is not None:
                report.setdefault(s["file"], {})["fvu"] = fvu
    if not report:
        raise VerifyError(f"{export_dir}: nothing to verify (no check files)")
    return report
