"""Unit tests of the strict safetensors reader and the state-dict checks.

Run: /usr/bin/python3 -m unittest discover -s python/tests (from the repo
root); the Go test export/python_test.go runs them too.
"""
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from misgen import load, modules, safetensors  # noqa: E402


def raw_file(header, buf=b""):
    h = header.encode()
    return struct.pack("<Q", len(h)) + h + buf


class SafetensorsReader(unittest.TestCase):
    def test_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.safetensors")
            a = np.arange(6, dtype="<f4").reshape(2, 3)
            b = np.array(7, dtype="<i8")
            safetensors.write(p, {"a": a, "b": b}, {"k": "v"})
            with open(p, "rb") as f:
                raw = f.read()
            (n,) = struct.unpack("<Q", raw[:8])
            self.assertEqual((8 + n) % 8, 0)
            ts, meta = safetensors.read(p)
            self.assertEqual(meta, {"k": "v"})
            np.testing.assert_array_equal(ts["a"], a)
            self.assertEqual(ts["b"].shape, ())
            self.assertEqual(int(ts["b"]), 7)

    def test_rejects(self):
        f4 = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
        cases = [
            (b"\x01\x02", "shorter than the header length"),
            (raw_file(" {}"), "does not start"),
            (raw_file("{" + f4 + "," + f4 + "}", bytes(8)), "appears twice"),
            (raw_file('{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', bytes(8)), "unknown or unsupported dtype"),
            (raw_file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', bytes(8)), "needs 12 bytes"),
            (raw_file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', bytes(8)), "cover 4 of 8"),
            (raw_file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)), "do not continue"),
            (raw_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', bytes(8)), "want exactly"),
            (raw_file('{"__metadata__":{"k":1}}'), "strings to strings"),
        ]
        for raw, want in cases:
            with self.subTest(want=want):
                with self.assertRaisesRegex(safetensors.FormatError, want):
                    safetensors.decode(raw)


class StateChecks(unittest.TestCase):
    """A file whose names, shapes or dtypes differ from the module is
    refused before anything is loaded."""

    def setUp(self):
        self.d = tempfile.TemporaryDirectory()
        m = modules.MLP((1, 2, 2), 3, hidden=5, layers=1)
        self.good = {k: np.random.default_rng(0).standard_normal(v.shape).astype("<f4") for k, v in m.state_dict().items()}
        self.meta = {"format": "misgen.policy", "config": json.dumps({"arch": "mlp", "hidden": 5, "layers": 1, "widths": [], "res_blocks": 0}),
                     "obs_shape": "[1, 2, 2]", "num_actions": "3", "layers": '["fc0"]', "action_names": '["a","b","c"]',
                     "channel_names": '["x"]'}

    def tearDown(self):
        self.d.cleanup()

    def load(self, tensors):
        p = os.path.join(self.d.name, "p.safetensors")
        safetensors.write(p, tensors, self.meta)
        return load.load_policy(p)

    def test_good(self):
        m = self.load(self.good)
        self.assertEqual(m.action_names, ["a", "b", "c"])

    def test_wrong_name(self):
        bad = dict(self.good)
        bad["fc0.weight"] = bad.pop("fc0.w")
        with self.assertRaisesRegex(ValueError, r"missing \['fc0.w'\], unexpected \['fc0.weight'\]"):
            self.load(bad)

    def test_wrong_shape(self):
        bad = dict(self.good)
        bad["fc0.w"] = np.ascontiguousarray(bad["fc0.w"].T)
        with self.assertRaisesRegex(ValueError, r"'fc0.w' has shape \[4, 5\], want \[5, 4\]"):
            self.load(bad)

    def test_wrong_dtype(self):
        bad = dict(self.good)
        bad["actor.b"] = bad["actor.b"].astype("<f8")
        with self.assertRaisesRegex(ValueError, r"'actor.b' has dtype float64, want float32"):
            self.load(bad)


if __name__ == "__main__":
    unittest.main()
