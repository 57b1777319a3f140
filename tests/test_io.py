"""srtutor.io: file reading/writing and numpy <-> tensor conversion."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from png16 import encode_png16
from srtutor import io


def _rgb(h=7, w=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_to_tensor_uint8_hwc_and_hw():
    a = _rgb()
    t = io.to_tensor(a)
    assert t.shape == (3, 7, 5) and t.dtype == torch.float32
    assert torch.allclose(t, torch.from_numpy(a).permute(2, 0, 1).float() / 255)
    g = a[:, :, 0]
    tg = io.to_tensor(g, dtype=torch.float64)
    assert tg.shape == (1, 7, 5) and tg.dtype == torch.float64
    assert tg[0, 3, 2] == g[3, 2] / 255.0


def test_to_tensor_float_and_errors():
    f = np.linspace(0, 1, 12).reshape(3, 4)
    assert torch.allclose(io.to_tensor(f)[0], torch.from_numpy(f).float())
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        io.to_tensor(f * 255)
    with pytest.raises(TypeError, match="dtype"):
        io.to_tensor(np.zeros((2, 2), np.int64))
    u16 = np.array([[0, 1, 32768, 65535]], np.uint16)
    assert torch.equal(io.to_tensor(u16, dtype=torch.float64)[0, 0], torch.tensor([0, 1 / 65535, 32768 / 65535, 1.0],
                                                                                 dtype=torch.float64))
    with pytest.raises(TypeError, match="numpy"):
        io.to_tensor(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="dims"):
        io.to_tensor(np.zeros((2, 2, 2, 2), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        io.to_tensor(np.full((2, 2), np.nan))


def test_to_numpy_roundtrip_and_round_half_up():
    a = _rgb()
    assert np.array_equal(io.to_numpy(io.to_tensor(a)), a)
    g = a[:, :, 1]
    assert np.array_equal(io.to_numpy(io.to_tensor(g)), g)  # 1 channel -> HW
    # exactly half-way values round up, like MATLAB im2uint8: floor(255 x + 0.5)
    x = torch.tensor([[[0.5 / 255, 1.5 / 255, 2.5 / 255, 254.49 / 255]]], dtype=torch.float64)
    assert io.to_numpy(x).tolist() == [[1, 2, 3, 254]]
    # small overshoot is clamped
    y = torch.tensor([[[-0.01, 1.01]]])
    assert io.to_numpy(y).tolist() == [[0, 255]]
    with pytest.raises(ValueError, match="one image"):
        io.to_numpy(torch.zeros(1, 3, 2, 2))
    with pytest.raises(TypeError):
        io.to_numpy(np.zeros((2, 2)))


def test_quantize():
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64)
    q = io.quantize(x)
    assert q.dtype == x.dtype and q.shape == x.shape
    assert torch.equal(q * 255, torch.round(q * 255))
    assert (q - x).abs().max() <= 0.5 / 255 + 1e-12
    assert torch.equal(io.quantize(q), q)
    assert torch.equal(io.quantize(torch.tensor([[[1.2, -0.3]]])), torch.tensor([[[1.0, 0.0]]]))


@pytest.mark.parametrize("fmt,suffix", [("PNG", ".png"), ("BMP", ".bmp")])
def test_read_lossless_formats(tmp_path, fmt, suffix):
    a = _rgb(9, 6)
    p = tmp_path / f"x{suffix}"
    Image.fromarray(a).save(p, format=fmt)
    t = io.read_image(p)
    assert t.shape == (3, 9, 6)
    assert np.array_equal(io.to_numpy(t), a)


def test_read_jpeg_and_grey(tmp_path):
    a = _rgb(16, 16)
    Image.fromarray(a).save(tmp_path / "x.jpg", quality=95)
    assert io.read_image(tmp_path / "x.jpg").shape == (3, 16, 16)
    g = a[:, :, 0]
    Image.fromarray(g).save(tmp_path / "g.png")
    tg = io.read_image(tmp_path / "g.png")
    assert tg.shape == (1, 16, 16)
    assert np.array_equal(io.to_numpy(tg), g)


def test_read_alpha_opaque_dropped_transparent_refused(tmp_path):
    rgb = _rgb(4, 4)
    Image.fromarray(np.dstack([rgb, np.full((4, 4), 255, np.uint8)]), "RGBA").save(tmp_path / "opaque.png")
    assert np.array_equal(io.to_numpy(io.read_image(tmp_path / "opaque.png")), rgb)  # nothing lost, no question
    rgba = np.dstack([rgb, np.full((4, 4), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="transparent alpha.*alpha='drop'"):
        io.read_image(tmp_path / "a.png")
    assert np.array_equal(io.to_numpy(io.read_image(tmp_path / "a.png", alpha="drop")), rgb)
    kept = io.read_image(tmp_path / "a.png", alpha="keep")
    assert kept.shape == (4, 4, 4) and np.array_equal(io.to_numpy(kept), rgba)
    la = np.dstack([rgb[:, :, 0], np.full((4, 4), 7, np.uint8)])
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    assert io.read_image(tmp_path / "la.png", alpha="drop").shape == (1, 4, 4)
    with pytest.raises(ValueError, match="alpha must be one of"):
        io.read_image(tmp_path / "la.png", alpha="white")


def test_read_palette_lossless(tmp_path):
    rgb = _rgb(6, 5)
    pal = Image.fromarray(rgb).quantize(colors=256)  # an exact palette: <= 30 colours
    pal.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    t = io.read_image(tmp_path / "p.png")
    assert t.shape == (3, 6, 5) and np.array_equal(io.to_numpy(t), np.array(pal.convert("RGB")))
    grey = Image.fromarray(rgb[:, :, 1]).convert("P")  # grey palette -> one channel, like mode L
    grey.save(tmp_path / "g.png")
    g = io.read_image(tmp_path / "g.png")
    assert g.shape == (1, 6, 5) and np.array_equal(io.to_numpy(g), rgb[:, :, 1])
    pal.info["transparency"] = 0
    pal.save(tmp_path / "pt.png", transparency=0)
    with pytest.raises(ValueError, match="transparent"):
        io.read_image(tmp_path / "pt.png")


def _png16(path, arr, filters=(0,)):
    path.write_bytes(encode_png16(arr, filters))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_read_16bit_png_exact(tmp_path, channels):
    """16 bits survive (Pillow alone keeps the high byte of colour PNGs and clips grey ones to white
    when converting); every PNG row filter is undone; Pillow's own decode is the high byte."""
    rng = np.random.default_rng(channels)
    arr = rng.integers(0, 65536, (13, 17, channels)).astype(np.uint16)
    if channels == 4:
        arr[:, :, 3] = 65535  # opaque
    path = tmp_path / "x16.png"
    _png16(path, arr, filters=(0, 1, 2, 3, 4, 4, 3))
    t = io.read_image(path, dtype=torch.float64)
    c_out = 3 if channels == 4 else channels
    assert t.shape == (c_out, 13, 17)
    want = torch.from_numpy(arr[:, :, :c_out].astype(np.float64) / 65535).permute(2, 0, 1)
    assert torch.equal(t, want)
    if channels in (3, 4):  # an independent decoder of the same bytes: Pillow's 8-bit view
        assert np.array_equal(np.array(Image.open(path))[:, :, :3], (arr[:, :, :3] >> 8).astype(np.uint8))
    if channels == 1:  # the grey path goes through Pillow's I;16 mode
        Image.fromarray(arr[:, :, 0]).save(tmp_path / "pil16.png")
        assert torch.equal(io.read_image(tmp_path / "pil16.png", dtype=torch.float64)[0], want[0])
        bright = io.read_image(path)
        assert 0.3 < float(bright.mean()) < 0.7  # not clipped to near-white


def test_read_16bit_alpha_and_corruption(tmp_path):
    arr = np.random.default_rng(0).integers(0, 65536, (5, 4, 4)).astype(np.uint16)
    _png16(tmp_path / "a.png", arr, filters=(4,))
    with pytest.raises(ValueError, match="transparent"):
        io.read_image(tmp_path / "a.png")
    k = io.read_image(tmp_path / "a.png", alpha="keep", dtype=torch.float64)
    assert torch.equal(k, torch.from_numpy(arr / 65535.0).permute(2, 0, 1))
    whole = (tmp_path / "a.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[:60])
    with pytest.raises(ValueError, match="cut.png|truncated|corrupt"):
        io.read_image(tmp_path / "cut.png", alpha="keep")


def test_read_cmyk_warns_float_and_int32_refused(tmp_path):
    Image.fromarray(_rgb(4, 4)).convert("CMYK").save(tmp_path / "c.jpg")
    with pytest.warns(UserWarning, match="CMYK"):
        assert io.read_image(tmp_path / "c.jpg").shape == (3, 4, 4)
    Image.fromarray(np.full((3, 3), 70000, np.int32), "I").save(tmp_path / "i.tif")
    with pytest.raises(ValueError, match="mode 'I'"):
        io.read_image(tmp_path / "i.tif")
    Image.fromarray(np.full((3, 3), 0.25, np.float32), "F").save(tmp_path / "f.tif")
    assert torch.allclose(io.read_image(tmp_path / "f.tif"), torch.full((1, 3, 3), 0.25))
    Image.fromarray(np.full((3, 3), 3.0, np.float32), "F").save(tmp_path / "f3.tif")
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        io.read_image(tmp_path / "f3.tif")


def test_decompression_bomb_refused(tmp_path, monkeypatch):
    Image.fromarray(_rgb(40, 50)).save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match="2,000 pixels, more than max_pixels=1,000"):
        io.read_image(tmp_path / "big.png")
    assert io.read_image(tmp_path / "big.png", max_pixels=None).shape == (3, 40, 50)
    assert io.read_image(tmp_path / "big.png", max_pixels=2000).shape == (3, 40, 50)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # Pillow's own hard limit (2x) raises in open()
    with pytest.raises(ValueError, match="big.png"):
        io.read_image(tmp_path / "big.png", max_pixels=None)


def test_channel_first_and_last_not_reinterpreted():
    chw = np.zeros((3, 16, 20), np.uint8)
    with pytest.raises(ValueError, match=r"looks channel-first.*transpose\(1, 2, 0\)"):
        io.to_tensor(chw)
    assert io.to_tensor(chw.transpose(1, 2, 0)).shape == (3, 16, 20)
    assert io.to_tensor(np.zeros((16, 20, 7), np.uint8)).shape == (7, 16, 20)  # multispectral HWC is fine
    with pytest.raises(ValueError, match=r"looks channel-last.*permute\(2, 0, 1\)"):
        io.to_numpy(torch.zeros(16, 20, 3))
    with pytest.raises(ValueError, match=r"looks channel-last"):
        io.write_image("never.png", torch.zeros(16, 20, 3))


def test_atomic_write_success_failure_and_symlink(tmp_path):
    dest = tmp_path / "d" / "f.bin"
    with io.atomic_write(dest) as fh:
        fh.write(b"one")
    assert dest.read_bytes() == b"one"
    umask = os.umask(0o022)
    os.umask(umask)
    assert dest.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    with pytest.raises(RuntimeError):
        with io.atomic_write(dest) as fh:
            fh.write(b"half-")
            raise RuntimeError("encoder died")
    assert dest.read_bytes() == b"one" and sorted(p.name for p in dest.parent.iterdir()) == ["f.bin"]
    with io.atomic_write(dest, "w") as fh:
        fh.write("text é")
    assert dest.read_text(encoding="utf-8") == "text é"
    link = tmp_path / "link.bin"
    link.symlink_to(dest)
    with io.atomic_write(link) as fh:
        fh.write(b"via link")
    assert link.is_symlink() and dest.read_bytes() == b"via link"
    with pytest.raises(ValueError, match="is a folder"):
        with io.atomic_write(tmp_path) as fh:
            pass
    with pytest.raises(ValueError, match="mode"):
        with io.atomic_write(dest, "a"):
            pass


def test_write_image_failure_keeps_old_file(tmp_path, monkeypatch):
    p = tmp_path / "out.png"
    io.write_image(p, torch.zeros(3, 4, 4))
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space"):
        io.write_image(p, torch.ones(3, 4, 4))
    assert p.read_bytes() == before and [q.name for q in tmp_path.iterdir()] == ["out.png"]


def test_same_file_by_inode(tmp_path, monkeypatch):
    a = tmp_path / "a.png"
    a.write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "ln.png").symlink_to(a)
    os.link(a, tmp_path / "hard.png")
    monkeypatch.chdir(tmp_path / "sub")
    for other in ["../a.png", str(a), tmp_path / "sub" / ".." / "a.png", tmp_path / "ln.png", tmp_path / "hard.png"]:
        assert io.same_file(a, other), other
        with pytest.raises(ValueError, match="same file as input"):
            io.check_distinct_files(a, other)
    assert not io.same_file(a, tmp_path / "b.png")
    io.check_distinct_files(a, tmp_path / "b.png")


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such image"):
        io.read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot decode"):
        io.read_image(tmp_path / "bad.png")


def test_write_read_roundtrip(tmp_path):
    x = torch.rand(3, 10, 12)
    p = io.write_image(tmp_path / "sub" / "out.png", x)
    back = io.read_image(p)
    assert torch.equal(back, io.quantize(x))
    g = torch.rand(1, 5, 5, dtype=torch.float64)
    io.write_image(tmp_path / "g.png", g)
    assert Image.open(tmp_path / "g.png").mode == "L"
    with pytest.raises(ValueError, match="channels"):
        io.write_image(tmp_path / "bad.png", torch.rand(2, 4, 4))


def test_sha256_file_known_digest(tmp_path):
    from srtutor.io import sha256_file

    f = tmp_path / "abc.bin"
    f.write_bytes(b"abc")  # FIPS 180-2 test vector
    assert sha256_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
