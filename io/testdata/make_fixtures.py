"""Writes the torch fixtures of io/torch_file_test.ts (run from the repository root, once; the outputs are
committed, so tests never need Python):

    /usr/bin/python3 io/testdata/make_fixtures.py     # Debian's python3-torch (1.13 here)

Every value is a formula the test recomputes (small multiples of 1/4, exact in bf16 and fp16), so the
test checks the reader against arithmetic, not against another reader.
"""
import collections
import io
import os
import pickle
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))


def path(name):
    return os.path.join(OUT, name)


def grid(*shape):
    """arange(n) / 4 - 1, reshaped: exact in every float dtype used."""
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=torch.float32) / 4 - 1).reshape(*shape)


def mixed_state():
    sd = collections.OrderedDict()
    sd["f32"] = grid(2, 3)
    sd["bf16"] = grid(2, 3).to(torch.bfloat16)
    sd["f16"] = grid(3, 2).to(torch.float16)
    sd["f64"] = torch.tensor([0.1, -2.5, 1e-3], dtype=torch.float64)  # rounds to float32
    sd["i64"] = torch.tensor([[-3, 0], [7, 2147483647]], dtype=torch.int64)
    base = grid(3, 4)
    sd["transposed"] = base.t()  # [4, 3], strides (1, 4): the storage is base's
    sd["base"] = base  # shares that storage
    long = grid(20)
    sd["offset"] = long[5:11].view(2, 3)  # storage offset 5
    sd["strided"] = long[1::3]  # stride 3, offset 1, [7]
    sd["bf16_t"] = grid(2, 3).to(torch.bfloat16).t()  # a non-contiguous bf16 view
    sd["scalar"] = torch.tensor(2.75)
    sd["empty"] = torch.zeros(0, 4)
    return sd


def save_variants():
    sd = mixed_state()
    torch.save(sd, path("mixed.pt"))
    torch.save(sd, path("mixed_protocol4.pt"), pickle_protocol=4)
    torch.save({"model": sd, "step": 3}, path("nested.pt"))
    torch.save([sd["f32"]], path("list.pt"))
    torch.save(collections.OrderedDict(w=grid(2, 2)), path("legacy.pt"), _use_new_zipfile_serialization=False)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def hostile():
    torch.save({"weight": Evil()}, path("evil_os_system.pt"))
    good = open(path("mixed.pt"), "rb").read()
    open(path("truncated.pt"), "wb").write(good[: len(good) // 2])

    def rewrite(src, dst, edit):
        """Copies the zip src to dst, entry by entry, through edit(name, data) -> data or None (drop)."""
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                data = edit(info.filename, zin.read(info.filename))
                if data is not None:
                    zout.writestr(info.filename, data)

    torch.save(collections.OrderedDict(w=grid(2, 3)), path("_small.pt"))
    rewrite(path("_small.pt"), path("wrong_storage_size.pt"),
            lambda n, d: d[:-4] if n.endswith("/data/0") else d)
    rewrite(path("_small.pt"), path("missing_storage.pt"), lambda n, d: None if n.endswith("/data/0") else d)
    os.remove(path("_small.pt"))
    out_of_bounds()


def out_of_bounds():
    """A pickle in torch's layout whose view [2, 3] with stride (3, 1) starts at offset 2 of a 6-element
    storage, so it would read past its end: written with the pickle module, as torch's writer refuses it."""
    class Storage:
        pass

    class Rebuild:
        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2,
                    (STORAGE, 2, (2, 3), (3, 1), False, collections.OrderedDict()))

    STORAGE = Storage()

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is STORAGE:
                return ("storage", torch.FloatStorage, "0", "cpu", 6)
            return None

    buf = io.BytesIO()
    P(buf, protocol=2).dump(collections.OrderedDict(w=Rebuild()))
    with zipfile.ZipFile(path("view_out_of_bounds.pt"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/data/0", grid(6).numpy().tobytes())
        z.writestr("archive/version", "3\n")


if __name__ == "__main__":
    save_variants()
    hostile()
    for name in sorted(os.listdir(OUT)):
        if name.endswith(".pt"):
            print(name, os.path.getsize(path(name)))
