"""Unit tests of site_rows and site_unrows (the layout of per-position
activations), against hand-computed rows.

Run: /usr/bin/python3 -m unittest discover -s python/tests (from the repo
root); the Go test export/python_test.go runs them too.
"""
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from misgen import site_rows, site_unrows  # noqa: E402


class Sites(unittest.TestCase):
    # Two samples of a [C=3, H=1, W=2] layer output; value = 100 n + 10 c + w.
    act = np.array([[[[0, 1]], [[10, 11]], [[20, 21]]], [[[100, 101]], [[110, 111]], [[120, 121]]]], dtype=np.float32)

    def test_per_position_rows(self):
        want = [[0, 10, 20], [1, 11, 21], [100, 110, 120], [101, 111, 121]]
        for act in (self.act, torch.from_numpy(self.act)):
            rows = site_rows(act, per_position=True)
            self.assertEqual(np.asarray(rows).tolist(), want)
            back = site_unrows(rows, (3, 1, 2), per_position=True)
            self.assertEqual(np.asarray(back).tolist(), self.act.tolist())

    def test_flat_rows(self):
        rows = site_rows(self.act, per_position=False)
        self.assertEqual(rows.shape, (2, 6))
        self.assertEqual(rows[1].tolist(), [100, 101, 110, 111, 120, 121])
        self.assertEqual(site_unrows(rows, (3, 1, 2), per_position=False).tolist(), self.act.tolist())

    def test_per_position_needs_four_dims(self):
        with self.assertRaisesRegex(ValueError, r"reads \[B, C, H, W\]"):
            site_rows(np.zeros((2, 6), dtype=np.float32), per_position=True)


if __name__ == "__main__":
    unittest.main()
