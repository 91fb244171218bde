"""Checks an export against misgen, in one Python process (importing torch
is slow): the reference modules reproduce misgen's outputs, the activation
and concept arrays equal misgen's stores, deliberately corrupted files are
refused, the unit tests pass and the README snippet runs.

    /usr/bin/python3 python/tests/check_export.py --export DIR
        [--dumps DIR] [--bad bad.json] [--snippet snippet.py] [--unit]

--dumps: raw little-endian dumps misgen wrote of its stores:
    <variant>.<layer>.f32 (the activations) and <variant>.concepts.f64
    ([N, C] concept values, C in the order of concepts.json).
--bad: a JSON list of {"kind": "policy"|"sae"|"verify", "file": ...,
    ["check": ...,] "error": substring}; each must fail with that message.
Exit status: 0 all passed, 1 a check failed, 77 torch or numpy missing.
"""
import argparse
import json
import os
import runpy
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
try:
    import numpy as np
    import torch  # noqa: F401
except ImportError as e:
    print(f"SKIP: {e} (install python3-torch and python3-numpy)")
    sys.exit(77)
import misgen  # noqa: E402
from misgen import checks as mv  # noqa: E402


def check_dumps(ex, dumps):
    with open(os.path.join(dumps, "concepts.json")) as f:
        names = json.load(f)
    n = 0
    for v in ex.variants:
        for site in ex.acts_index["sites"]:
            acts = ex.activations(v, site["site"])
            ref = np.fromfile(os.path.join(dumps, f"{v}.{site['file']}.f32"), dtype="<f4").reshape(acts.shape)
            if not np.array_equal(acts, ref):
                raise mv.VerifyError(f"activations {v}.{site['file']} differ from misgen's store")
            n += 1
        c = ex.concepts(v)
        ref = np.fromfile(os.path.join(dumps, f"{v}.concepts.f64"), dtype="<f8").reshape(len(c), len(names))
        for j, name in enumerate(names):
            if not np.array_equal(c[name], ref[:, j]):
                raise mv.VerifyError(f"concept {name} of {v} differs from misgen's")
        n += 1
    print(f"ok   {n} activation and concept arrays equal misgen's stores")


def check_fvu(ex):
    """Prints each SAE's FVU on the exported held-out rows beside the one
    misgen recorded (misgen.verify has checked they agree) and, for a
    per-position site, the FVU on the trap the export avoids: the layer's
    flat [N, C*H*W] output cut into rows of C with reshape(-1, C). The FVU
    check must refuse that layout for at least one SAE, or it could not
    tell the layouts apart."""
    traps = refused = 0
    for entry in ex.index["saes"]:
        sae = misgen.load_sae(ex._file(entry["file"]))
        if not sae.metrics:
            continue
        rec = sae.metrics["fvu"]
        line = f"ok   FVU {entry['file']}: exported held-out rows {ex.fvu(sae):.4f}, recorded {rec:.4f}"
        site = ex.site(sae.site)
        if site["per_position"]:
            held = [ex.concepts(v)["held_out"] for v in ex.variants]
            flat = np.concatenate([ex.layer_output(v, site["layer"])[h].reshape(int(h.sum()), -1) for v, h in zip(ex.variants, held)])
            naive = ex.fvu(sae, flat.reshape(-1, site["d"]))
            line += f"; naive reshape(-1, {site['d']}) of the flat layer {naive:.4f}"
            traps += 1
            refused += not mv.fvu_agrees(naive, rec)
        print(line)
    if traps and not refused:
        raise mv.VerifyError(f"the FVU check accepts the naive layout for all {traps} per-position SAEs")
    print(f"ok   the FVU check refuses the naive layout for {refused} of {traps} per-position SAEs")


def check_bad(path):
    with open(path) as f:
        cases = json.load(f)
    for c in cases:
        try:
            if c["kind"] == "policy":
                misgen.load_policy(c["file"])
            elif c["kind"] == "sae":
                misgen.load_sae(c["file"])
            else:
                mv.verify_policy(c["file"], c["check"])
        except (ValueError, mv.VerifyError) as e:
            if c["error"] not in str(e):
                raise mv.VerifyError(f"{c['file']}: failed with {e!r}, want a message containing {c['error']!r}")
            print(f"ok   corrupted {os.path.basename(c['file'])} refused: {e}")
            continue
        raise mv.VerifyError(f"{c['file']}: the corrupted file was accepted")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", required=True)
    ap.add_argument("--dumps")
    ap.add_argument("--bad")
    ap.add_argument("--snippet")
    ap.add_argument("--unit", action="store_true")
    a = ap.parse_args()
    try:
        report = misgen.verify(a.export)
        for f, errs in report.items():
            print(f"ok   {f}: " + ", ".join(f"{k} {v:.2g}" for k, v in errs.items()))
        if a.dumps:
            ex = misgen.Export(a.export)
            check_dumps(ex, a.dumps)
            check_fvu(ex)
        if a.bad:
            check_bad(a.bad)
    except mv.VerifyError as e:
        print(f"FAIL {e}")
        return 1
    if a.unit:
        suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py")
        if not unittest.TextTestRunner(verbosity=1).run(suite).wasSuccessful():
            print("FAIL unit tests")
            return 1
    if a.snippet:
        runpy.run_path(a.snippet, run_name="__main__")
        print("ok   README snippet ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
