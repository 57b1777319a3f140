"""srtutor.data: embedded images, benchmark loading/downloading (local server only), pairs, patches."""

import functools
import hashlib
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from srtutor import data
from srtutor.degradation import BD, DN, RandomDegradation
from srtutor.resize import imresize

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _shared_benchmarks():
    env = os.environ.get("SRTUTOR_DATA")
    for cand in ([Path(env)] if env else []) + [SHARED / "benchmarks"]:
        if (cand / "Set5" / "HR").is_dir():
            return cand
    return None


# ---------------------------------------------------------------- embedded
def test_embedded_images_load_offline():
    assert "astronaut" in data.EMBEDDED and "camera" in data.EMBEDDED
    a = data.embedded_image("astronaut")
    assert a.shape == (3, 512, 512) and a.dtype == torch.float32
    assert 0 <= float(a.min()) and float(a.max()) <= 1
    assert data.embedded_image("camera").shape == (1, 512, 512)
    assert data.embedded_image("stereo_motorcycle").shape == (3, 500, 741)
    two = data.embedded_images(["coins", "coffee"])
    assert list(two) == ["coins", "coffee"] and two["coffee"].shape[0] == 3
    with pytest.raises(ValueError, match="astronaut"):
        data.embedded_image("lena")


def test_embedded_tuple_all_load():
    """Every listed image loads offline (no pooch download) and is RGB or greyscale."""
    imgs = data.embedded_images()
    assert list(imgs) == list(data.EMBEDDED)
    for name, im in imgs.items():
        assert im.ndim == 3 and im.shape[0] in (1, 3), name
    rgb = {n for n, im in imgs.items() if im.shape[0] == 3}
    assert set(data.EMBEDDED_RGB) == rgb - {"retina"}  # retina: mostly black, left out of training


def test_survey_table():
    names = [d["name"] for d in data.SURVEY_DATASETS]
    assert {"Set5", "Set14", "BSDS300", "Urban100", "Manga109", "DIV2K", "T91"} <= set(names)
    set5 = next(d for d in data.SURVEY_DATASETS if d["name"] == "Set5")
    assert set5["images"] == 5 and set5["avg_pixels"] == 113_491 and set5["format"] == "PNG"


# ---------------------------------------------------------------- roots and names
def test_default_root(monkeypatch, tmp_path):
    monkeypatch.setenv("SRTUTOR_DATA", str(tmp_path))
    assert data.default_root() == tmp_path
    monkeypatch.delenv("SRTUTOR_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    assert data.default_root() == tmp_path / "c" / "srtutor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.default_root() == Path.home() / ".cache" / "srtutor"


def test_benchmark_names():
    assert data.benchmark_name("bsd100") == "B100" == data.benchmark_name("BSDS100")
    assert data.benchmark_name("set5") == "Set5"
    with pytest.raises(ValueError, match="Set5, Set14, B100"):
        data.benchmark_name("Set6")
    with pytest.raises(ValueError, match="unknown benchmark 't91'"):  # a training set, not a benchmark
        data.benchmark_name("t91")
    assert data.benchmark_name("t91", training=True) == "T91"


def _write_set(root, name, arrays):
    d = root / name / "HR"
    d.mkdir(parents=True)
    for stem, arr in arrays.items():
        Image.fromarray(arr).save(d / f"{stem}.png")
    return d


def test_own_folder_needs_no_verify(tmp_path):
    """A folder of other images under a benchmark's name is never scored as that benchmark."""
    rng = np.random.default_rng(0)
    arrays = {"b": rng.integers(0, 256, (6, 5, 3), dtype=np.uint8),
              "a": rng.integers(0, 256, (4, 7), dtype=np.uint8),
              "10": rng.integers(0, 256, (3, 3, 3), dtype=np.uint8)}
    _write_set(tmp_path, "Set14", arrays)
    assert not data.benchmark_available("Set14", tmp_path) and not data.benchmark_available("Set5", tmp_path)
    with pytest.raises(data.BenchmarkError, match=r"holds 3 image files .* none of the 14 files of Set14.*verify=False"):
        data.load_benchmark("set14", root=tmp_path)
    imgs = data.load_benchmark("set14", root=tmp_path, verify=False)
    assert list(imgs) == ["10", "a", "b"]  # sorted by file name
    assert imgs["a"].shape == (1, 4, 7) and imgs["b"].shape == (3, 6, 5)
    assert torch.equal(imgs["a"][0], torch.from_numpy(arrays["a"]).float() / 255)
    # B100 under one of its alias folders
    _write_set(tmp_path, "BSD100", {"3096": arrays["b"]})
    assert list(data.load_benchmark("B100", root=tmp_path, verify=False)) == ["3096"]
    assert data.set_folder("B100", tmp_path) == tmp_path / "BSD100" / "HR"


def test_missing_benchmark_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("SRTUTOR_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError) as e:
        data.load_benchmark("Set5")
    msg = str(e.value)
    assert str(tmp_path / "nowhere" / "Set5" / "HR") in msg
    assert "root=" in msg and "SRTUTOR_DATA" in msg and "download=True" in msg
    with pytest.raises(FileNotFoundError, match="none of its 100 files"):
        data.load_benchmark("Urban100", root=tmp_path, verify=True)


def _copy_shared(tmp_path, name, n=None):
    root = _shared_benchmarks()
    if root is None or not (root / name / "HR").is_dir():
        pytest.skip(f"shared {name} absent")
    dst = tmp_path / name / "HR"
    dst.mkdir(parents=True)
    for p in sorted((root / name / "HR").glob("*.png"))[:n]:
        shutil.copy(p, dst / p.name)
    return dst


def test_incomplete_or_swapped_set_is_refused(tmp_path):
    """Before: any PNG counted; after a failed download, 2 of Set5's 5 images were scored as Set5."""
    hr = _copy_shared(tmp_path, "Set5", n=2)
    rep = data.verify_set("Set5", tmp_path)
    assert not rep["ok"] and rep["missing"] == ["butterfly.png", "head.png", "woman.png"] and rep["expected"] == 5
    with pytest.raises(data.BenchmarkError, match=r"3 of 5 files missing \(butterfly.png, head.png, woman.png\)"):
        data.load_benchmark("Set5", tmp_path)
    for p in sorted(_shared_benchmarks().glob("Set5/HR/*.png"))[2:]:
        shutil.copy(p, hr / p.name)
    assert len(data.load_benchmark("Set5", tmp_path)) == 5
    shutil.copy(hr / "bird.png", hr / "baby.png")  # a cached file swapped for another image
    rep = data.verify_set("Set5", tmp_path)
    assert rep["mismatched"] == ["baby.png"] and not rep["ok"]
    with pytest.raises(data.BenchmarkError, match=r"1 differ from the pinned copy \(baby.png\)"):
        data.load_benchmark("Set5", tmp_path)
    assert len(data.load_benchmark("Set5", tmp_path, verify=False)) == 5  # the user may insist


def test_lossless_reencode_accepted_extra_files_ignored(tmp_path):
    hr = _copy_shared(tmp_path, "Set5")
    Image.open(hr / "head.png").save(hr / "head.png", compress_level=1)  # other bytes, same pixels
    assert data.verify_set("Set5", tmp_path)["ok"]
    one = np.array(Image.open(hr / "head.png"))
    one[0, 0, 0] ^= 1  # one bit of one pixel
    Image.fromarray(one).save(hr / "head.png")
    assert data.verify_set("Set5", tmp_path)["mismatched"] == ["head.png"]
    shutil.copy(_shared_benchmarks() / "Set5" / "HR" / "head.png", hr / "head.png")
    Image.fromarray(one).save(hr / "mine.png")
    with pytest.warns(UserWarning, match=r"1 image files that are not part of Set5 \(mine.png\)"):
        assert list(data.load_benchmark("Set5", tmp_path)) == ["baby", "bird", "butterfly", "head", "woman"]


@pytest.mark.skipif(_shared_benchmarks() is None, reason="shared benchmark folder (../shared/data/benchmarks or $SRTUTOR_DATA) absent")
def test_real_set14_and_set5():
    root = _shared_benchmarks()
    s14 = data.load_benchmark("Set14", root=root)
    assert len(s14) == 14 and s14["bridge"].shape[0] == 1 and s14["baboon"].shape == (3, 480, 500)
    assert list(data.load_benchmark("Set5", root=root)) == ["baby", "bird", "butterfly", "head", "woman"]


def test_shipped_manifest():
    rows = data.manifest()
    counts = {s: sum(r["set"] == s for r in rows) for s in data.DOWNLOADABLE}
    assert counts == {"Set5": 5, "Set14": 14, "B100": 100, "Urban100": 100, "Manga109": 109, "T91": 91}
    for r in rows:
        for key in ("sha256", "source_sha256", "pixels_sha256"):
            assert len(r[key]) == 64 and int(r[key], 16) >= 0
        assert len(r["source_commit"]) == 40 and "/" in r["source_repo"]
        assert (r["source_sha256"] == r["sha256"]) == (r["set"] != "T91")  # only T91 is converted (BMP -> PNG)
    assert data.manifest("bsd100") == [r for r in rows if r["set"] == "B100"]
    # the survey's Table 1 statistics of Urban100 and Manga109 follow from the pinned images' sizes
    for name in ("Urban100", "Manga109"):
        rs = data.manifest(name)
        table = next(d for d in data.SURVEY_DATASETS if d["name"] == name)
        mean_w = sum(int(r["width"]) for r in rs) / len(rs)
        mean_h = sum(int(r["height"]) for r in rs) / len(rs)
        mean_px = sum(int(r["width"]) * int(r["height"]) for r in rs) / len(rs)
        assert (round(mean_w), round(mean_h)) == table["avg_resolution"] and abs(mean_px - table["avg_pixels"]) < 1
    root = _shared_benchmarks()
    if root is not None:  # the pinned hashes are those of the shared copies
        for r in data.manifest("Set5") + data.manifest("Set14"):
            p = root / r["set"] / "HR" / Path(r["file"]).name
            assert hashlib.sha256(p.read_bytes()).hexdigest() == r["sha256"]
            assert data._pixels_sha256(p) == r["pixels_sha256"]
    t91 = SHARED / "train" / "T91"
    if t91.is_dir():
        for r in data.manifest("T91")[:5]:
            assert hashlib.sha256((t91 / Path(r["file"]).name).read_bytes()).hexdigest() == r["sha256"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


_HEADER = "set\tfile\twidth\theight\tmode\tsha256\tsource_repo\tsource_commit\tsource_path\tsource_sha256\tpixels_sha256\n"


def _fake_manifest(tmp_path, www, monkeypatch, corrupt=None, bmp=False):
    """Serve two small images laid out like raw.githubusercontent.com and pin their hashes
    (``bmp``: a T91-like set whose source files are BMPs converted to PNG)."""
    repo, commit = "someone/sets", "0" * 40
    rows = []
    for i, stem in enumerate(["baby", "bird"]):
        arr = np.full((8, 6, 3), 40 * i + 10, np.uint8)
        arr[0, 0] = (1, 2, 3)
        src = www / repo / commit / "CSet5" / f"{stem}.{'bmp' if bmp else 'png'}"
        src.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(arr).save(src)
        src_sha = hashlib.sha256(src.read_bytes()).hexdigest()
        png = tmp_path / f"{stem}.png"
        Image.fromarray(arr).save(png, optimize=True)
        sha = hashlib.sha256(png.read_bytes()).hexdigest() if bmp else src_sha
        pix = data._pixels_sha256(png)
        if stem == corrupt:
            src_sha = sha = "f" * 64
        name = "T91" if bmp else "Set5"
        rows.append(f"{name}\tx/{name}/HR/{stem}.png\t6\t8\tRGB\t{sha}\t{repo}\t{commit}\tCSet5/{src.name}\t{src_sha}\t{pix}")
    tsv = tmp_path / "manifest.tsv"
    tsv.write_text(_HEADER + "\n".join(rows) + "\n")
    monkeypatch.setattr(data, "_MANIFEST_PATH", tsv)


def test_download_and_verify(tmp_path, server, monkeypatch):
    www, url = server
    _fake_manifest(tmp_path, www, monkeypatch)
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load_benchmark("Set5", root=cache)
    imgs = data.load_benchmark("Set5", root=cache, download=True, base_url=url)
    assert list(imgs) == ["baby", "bird"] and imgs["bird"].shape == (3, 8, 6)
    assert abs(float(imgs["bird"][0, 1, 1]) - 50 / 255) < 1e-7
    assert sorted(p.name for p in (cache / "Set5" / "HR").iterdir()) == ["baby.png", "bird.png"]
    # base URL from the environment; files already verified are not fetched again
    shutil.rmtree(www / "someone")
    monkeypatch.setenv("SRTUTOR_DATA_URL", url)
    assert data.download_set("Set5", root=cache) == cache / "Set5" / "HR"
    # a damaged file is fetched again when asked to download
    (cache / "Set5" / "HR" / "bird.png").write_bytes(b"garbage")
    _fake_manifest(tmp_path, www, monkeypatch)
    assert len(data.load_benchmark("Set5", root=cache, download=True, base_url=url)) == 2
    assert data.verify_set("Set5", cache)["ok"]


def test_download_converts_bmp_losslessly(tmp_path, server, monkeypatch):
    www, url = server
    _fake_manifest(tmp_path, www, monkeypatch, bmp=True)
    dest = data.download_set("T91", root=tmp_path / "d", base_url=url, progress=True)
    assert sorted(p.name for p in dest.iterdir()) == ["baby.png", "bird.png"]  # no BMP, no temporary left
    assert data.verify_set("T91", tmp_path / "d")["ok"]
    got = data.load_training_images(dest)
    assert (got["baby"][:, 0, 0] * 255).round().tolist() == [1, 2, 3]


def test_download_checksum_mismatch(tmp_path, server, monkeypatch):
    www, url = server
    _fake_manifest(tmp_path, www, monkeypatch, corrupt="bird")
    cache = tmp_path / "cache"
    with pytest.raises(data.ChecksumError, match="sha256 mismatch.*bird.png"):
        data.load_benchmark("Set5", root=cache, download=True, base_url=url)
    left = sorted(p.name for p in (cache / "Set5" / "HR").iterdir())
    assert left == ["baby.png"]  # the bad file and the temporary file are gone


def test_download_http_error(tmp_path, server, monkeypatch):
    www, url = server
    _fake_manifest(tmp_path, www, monkeypatch)
    with pytest.raises(data.DownloadError, match="HTTP 404 for .*baby.png.*SRTUTOR_DATA_URL"):
        data.download_set("Set5", root=tmp_path / "c", base_url=url + "/missing")
    assert isinstance(data.DownloadError("x"), OSError)


@pytest.mark.skipif(_shared_benchmarks() is None, reason="shared benchmark folder absent")
def test_download_real_table_from_local_mirror(tmp_path, server):
    """The shipped table + URL layout, against a local mirror of the shared Set5 files."""
    www, url = server
    root = _shared_benchmarks()
    for r in data.manifest("Set5"):
        dst = www / r["source_repo"] / r["source_commit"] / r["source_path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / "Set5" / "HR" / Path(r["file"]).name, dst)
    imgs = data.load_benchmark("Set5", root=tmp_path / "cache", download=True, base_url=url)
    assert len(imgs) == 5 and imgs["baby"].shape == (3, 512, 512)


def test_data_status(tmp_path):
    rows = {r["set"]: r for r in data.data_status(tmp_path)}
    assert list(rows) == list(data.DOWNLOADABLE)
    assert rows["Set5"]["status"] == "missing" and rows["Manga109"]["terms"] and rows["T91"]["images"] == 91
    if _shared_benchmarks() is not None:
        _copy_shared(tmp_path, "Set5", n=3)
        assert data.data_status(tmp_path)[0]["status"] == "incomplete (3/5 verified)"


# ---------------------------------------------------------------- training images
def test_load_training_images(tmp_path, monkeypatch):
    d = tmp_path / "T"
    d.mkdir()
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(d / "t2.png")
    Image.fromarray(np.zeros((5, 4, 3), np.uint8)).save(d / "t1.bmp")
    (d / "notes.txt").write_text("x")
    assert list(data.load_training_images(d)) == ["t1", "t2"]
    monkeypatch.setenv("SRTUTOR_TRAIN_DATA", str(d))
    assert list(data.load_training_images()) == ["t1", "t2"]
    with pytest.raises(FileNotFoundError, match="root"):
        data.load_training_images(tmp_path / "missing")
    # no shared folder beside the checkout: T91 where `srtutor data download T91` puts it
    monkeypatch.delenv("SRTUTOR_TRAIN_DATA")
    monkeypatch.setattr(data, "__file__", str(tmp_path / "a" / "b" / "data.py"))
    fetched = tmp_path / "cache" / "T91" / "HR"
    fetched.mkdir(parents=True)
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(fetched / "t7.png")
    monkeypatch.setenv("SRTUTOR_DATA", str(tmp_path / "cache"))
    assert list(data.load_training_images()) == ["t7"]
    # nothing anywhere: embedded fallback with a warning, or an error
    monkeypatch.setenv("SRTUTOR_DATA", str(tmp_path / "nothing"))
    monkeypatch.setattr(data, "embedded_images", lambda names, dtype: {n: None for n in names})
    with pytest.warns(UserWarning, match="embedded"):
        assert list(data.load_training_images()) == list(data.EMBEDDED_RGB)
    with pytest.raises(FileNotFoundError, match="SRTUTOR_TRAIN_DATA"):
        data.load_training_images(fallback_embedded=False)
    monkeypatch.setenv("SRTUTOR_TRAIN_DATA", str(tmp_path / "missing"))
    with pytest.warns(UserWarning, match="not a folder"), pytest.raises(FileNotFoundError):
        data.load_training_images(fallback_embedded=False)


# ---------------------------------------------------------------- pairs, augmentation, patches
def _img(c=3, h=30, w=26, seed=0):
    return torch.rand(c, h, w, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_make_pair():
    hr = _img()
    lr, hr_c = data.make_pair(hr, 4)
    assert hr_c.shape == (3, 28, 24) and lr.shape == (3, 7, 6)
    assert torch.equal(hr_c, hr[:, :28, :24])
    assert torch.allclose(lr, imresize(hr_c, scale=1 / 4).clamp(0, 1))
    lr_bd, _ = data.make_pair(hr, 3, BD(3))
    assert lr_bd.shape == (3, 10, 8)
    with pytest.raises(ValueError, match="shrink"):
        data.make_pair(hr, 2, lambda t: t)


def test_augment_dihedral():
    x = _img(1, 4, 4)
    outs = [data.augment(x, m) for m in range(8)]
    assert torch.equal(outs[0], x)
    assert len({tuple(o.flatten().tolist()) for o in outs}) == 8
    assert torch.equal(outs[1], torch.rot90(x, 1, (-2, -1))) and torch.equal(outs[4], x.flip(-1))
    # LR/HR alignment survives augmentation: nearest-upsampled LR stays aligned with HR
    lr = _img(1, 3, 5)
    hr = lr.repeat_interleave(2, -2).repeat_interleave(2, -1)
    for m in range(8):
        up = data.augment(lr, m).repeat_interleave(2, -2).repeat_interleave(2, -1)
        assert torch.equal(up, data.augment(hr, m))
    with pytest.raises(ValueError, match="mode"):
        data.augment(x, 8)


def test_random_patch_pair_aligned():
    lr = _img(3, 10, 12)
    hr = lr.repeat_interleave(3, -2).repeat_interleave(3, -1)
    lp, hp = data.random_patch_pair(lr, hr, 3, 4, torch.Generator().manual_seed(1))
    assert lp.shape == (3, 4, 4) and hp.shape == (3, 12, 12)
    assert torch.equal(lp.repeat_interleave(3, -2).repeat_interleave(3, -1), hp)
    with pytest.raises(ValueError, match="larger"):
        data.random_patch_pair(lr, hr, 3, 11)
    with pytest.raises(ValueError, match="scale"):
        data.random_patch_pair(lr, hr, 2, 4)


def test_paired_patch_dataset_deterministic():
    imgs = {"a": _img(3, 40, 36, 1), "b": _img(3, 33, 48, 2)}
    ds = data.PairedPatchDataset(imgs, scale=2, patch_size=8, length=10, seed=3)
    assert len(ds) == 10
    lr, hr = ds[3]
    assert lr.shape == (3, 8, 8) and hr.shape == (3, 16, 16)
    ds2 = data.PairedPatchDataset(imgs, scale=2, patch_size=8, length=10, seed=3)
    for i in (0, 3, 9):
        assert all(torch.equal(u, v) for u, v in zip(ds[i], ds2[i]))
    assert not torch.equal(ds[0][0], data.PairedPatchDataset(imgs, 2, 8, length=10, seed=4)[0][0])
    # the LR patch is the bicubic LR of the whole image, cropped (no border effects per patch)
    plain = data.PairedPatchDataset(imgs, 2, 8, augment=False, length=2, seed=0)
    lr0, hr0 = plain[0]
    full_lr, full_hr = data.make_pair(imgs["a"], 2)
    hits = [(y, x) for y in range(full_lr.shape[1] - 7) for x in range(full_lr.shape[2] - 7)
            if torch.equal(full_lr[:, y:y + 8, x:x + 8], lr0)]
    assert len(hits) == 1
    y, x = hits[0]
    assert torch.equal(full_hr[:, 2 * y:2 * y + 16, 2 * x:2 * x + 16], hr0)
    batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    assert batch[0].shape == (4, 3, 8, 8) and batch[1].shape == (4, 3, 16, 16)
    with pytest.raises(IndexError):
        ds[10]


def test_paired_patch_dataset_degradations_and_errors():
    imgs = [_img(3, 40, 40, 1), _img(3, 36, 44, 2)]
    ds = data.PairedPatchDataset(imgs, 4, 6, degradation=DN(4), length=3)
    assert ds[0][0].shape == (3, 6, 6) and not ds.per_item
    rd = data.PairedPatchDataset(imgs, 2, 8, degradation=RandomDegradation(2, noise_prob=1.0), length=4)
    a, b = rd[1], rd[1]
    assert rd.per_item and a[0].shape == (3, 8, 8) and a[1].shape == (3, 16, 16)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(ValueError, match="smaller than the HR patch"):
        data.PairedPatchDataset(imgs, 4, 12)
    with pytest.raises(ValueError, match="channels"):
        data.PairedPatchDataset([imgs[0], imgs[1][:1]], 2, 4)
    with pytest.raises(ValueError, match="empty"):
        data.PairedPatchDataset({}, 2, 4)
