"""Load misgen's exported policies, SAEs and activations in PyTorch/NumPy.

See README.md, section "Using the results from Python".
"""
from .load import Export, build_policy, load_check, load_policy, load_sae
from .modules import MLP, SAE, Bilinear, Impala, ReLUSAE, TopKSAE, site_rows, site_unrows
from .checks import VerifyError, verify

__all__ = ["Export", "build_policy", "load_check", "load_policy", "load_sae", "MLP", "SAE", "Bilinear",
           "Impala", "ReLUSAE", "TopKSAE", "VerifyError", "verify", "site_rows", "site_unrows"]
