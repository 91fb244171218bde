"""A strict reader of the safetensors format with NumPy only.

The format (https://github.com/huggingface/safetensors): an 8-byte
little-endian header length N, N bytes of UTF-8 JSON that map each tensor
name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to
the byte buffer after the header) plus an optional "__metadata__" object of
strings, then the buffer. This reader accepts only well-formed files: the
same rules as misgen's Go reader (internal/safetensors) and the reference
Rust implementation, so a corrupt file fails loudly instead of loading
garbage.
"""
import json
import struct

import numpy as np

MAX_HEADER = 100_000_000

DTYPES = {
    "BOOL": np.dtype("?"), "U8": np.dtype("u1"), "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "F16": np.dtype("<f2"),
    "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"), "I64": np.dtype("<i8"), "F64": np.dtype("<f8"),
}


class FormatError(ValueError):
    """A file that is not valid safetensors."""


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise FormatError(f"key {k!r} appears twice in the header")
        out[k] = v
    return out


def read(path):
    """Returns (tensors, metadata): an ordered dict of name -> read-only
    NumPy array (in byte-buffer order) and the metadata dict (empty if none).
    Raises FormatError for anything the format does not allow."""
    with open(path, "rb") as f:
        raw = f.read()
    return decode(raw, str(path))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _parse_entry(name, info):
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise FormatError(f"tensor {name!r}: want exactly dtype, shape and data_offsets, got {info!r}")
    dtype, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES:
        raise FormatError(f"tensor {name!r}: unknown or unsupported dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
        raise FormatError(f"tensor {name!r}: shape {shape!r} is not a list of non-negative integers")
    if not isinstance(offs, list) or len(offs) != 2 or not all(_is_int(o) for o in offs):
        raise FormatError(f"tensor {name!r}: data_offsets {offs!r} is not two integers")
    return dtype, shape, offs


def decode(raw, where="<bytes>"):
    """Decodes a whole file held in raw (see read)."""
    if len(raw) < 8:
        raise FormatError(f"{where}: {len(raw)} bytes, shorter than the header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or n > len(raw) - 8:
        raise FormatError(f"{where}: header length {n} with {len(raw) - 8} bytes after it")
    header, buf = raw[8:8 + n], memoryview(raw)[8 + n:]
    if not header.startswith(b"{"):
        raise FormatError(f"{where}: header does not start with '{{'")
    try:
        obj = json.loads(header.decode("utf-8").rstrip(" "), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{where}: header is not UTF-8 JSON: {e}") from None
    meta = obj.pop("__metadata__", None)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise FormatError(f"{where}: __metadata__ must map strings to strings")
    entries = sorted(((_parse_entry(k, v), k) for k, v in obj.items()), key=lambda e: e[0][2][0])
    tensors, end = {}, 0
    for (dtype, shape, (begin, stop)), name in entries:
        if begin != end or stop < begin or stop > len(buf):
            raise FormatError(f"{where}: tensor {name!r}: data_offsets [{begin}, {stop}] do not continue the buffer at {end}")
        dt = DTYPES[dtype]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if count * dt.itemsize != stop - begin:
            raise FormatError(f"{where}: tensor {name!r}: {dtype} {shape} needs {count * dt.itemsize} bytes, has {stop - begin}")
        tensors[name] = np.frombuffer(buf[begin:stop], dtype=dt).reshape(shape)
        end = stop
    if end != len(buf):
        raise FormatError(f"{where}: tensors cover {end} of {len(buf)} buffer bytes")
    return tensors, meta


def dtype_name(arr):
    """The format's dtype name of a NumPy array."""
    for name, dt in DTYPES.items():
        if arr.dtype == dt:
            return name
    raise ValueError(f"dtype {arr.dtype} has no safetensors name")


def write(path, tensors, metadata=None):
    """Writes tensors (name -> NumPy array, in order) and metadata (str ->
    str) as safetensors, with the header padded to 8 bytes. For tests and
    for saving edited weights."""
    header, data, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype_name(arr), "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        data.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(data))
