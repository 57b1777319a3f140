"""srtutor.io: file reading/writing and numpy <-> tensor conversion."""

import numpy as np
import pytest
import torch
from PIL import Image

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
        io.to_tensor(np.zeros((2, 2), np.uint16))
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


def test_read_other_modes_converted_with_warning(tmp_path):
    rgba = np.dstack([_rgb(4, 4), np.full((4, 4), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="RGBA"):
        t = io.read_image(tmp_path / "a.png")
    assert t.shape == (3, 4, 4)
    assert np.array_equal(io.to_numpy(t), rgba[:, :, :3])
    Image.fromarray(_rgb(4, 4)).convert("P").save(tmp_path / "p.png")
    with pytest.warns(UserWarning, match="'P'"):
        assert io.read_image(tmp_path / "p.png").shape == (3, 4, 4)


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
