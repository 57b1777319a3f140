"""The commands' one error path: user errors exit 2 with one ``error:`` line naming the option,
``--debug`` shows tracebacks, and ``upscale`` never destroys its input or leaves a partial file."""

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from srtutor import cli, data
from srtutor.cli import UsageError, main
from srtutor.io import read_image, write_image
from srtutor.pretrained import available_pretrained

REPO = Path(__file__).resolve().parents[1]
HAS_ESPCN = any(k.startswith("espcn-x") for k in available_pretrained())
needs_espcn = pytest.mark.skipif(not HAS_ESPCN, reason="no shipped ESPCN weights")


def _err_line(capsys, prefix="srtutor"):
    err = capsys.readouterr().err.strip().splitlines()
    lines = [ln for ln in err if "error:" in ln]
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix) and "Traceback" not in "\n".join(err)
    return lines[0]


@pytest.fixture
def png(tmp_path):
    img = data.embedded_image("astronaut")[:, 100:140, 200:252]  # 40 x 52
    p = tmp_path / "in.png"
    write_image(p, img)
    return p


# ---------------------------------------------------------------- run_command: the mapping
def _ns(**kw):
    import argparse

    return argparse.Namespace(command="x", **kw)


@pytest.mark.parametrize("exc,needle", [
    (UsageError("--scale must be >= 2, got 1"), "--scale must be >= 2, got 1"),
    (ValueError("lr must have\nvalues in [0, 1]"), "lr must have values in [0, 1]"),  # one line
    (TypeError("scale must be an int"), "scale must be an int"),
    (FileNotFoundError(2, "No such file or directory", "/nowhere/x.png"), "/nowhere/x.png"),
    (OSError(28, "No space left on device"), "No space left on device"),
    (MemoryError(), "out of memory"),
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "smaller --tile"),
    (data.ChecksumError("sha256 mismatch for x.png"), "sha256 mismatch"),
    (data.BenchmarkError("Set5 is incomplete; --no-verify"), "--no-verify"),
    (data.DownloadError("could not reach raw.githubusercontent.com: are you offline?"), "offline"),
    (FloatingPointError("the loss became NaN at step 3; lower --lr"), "step 3"),  # the engine's NonFiniteLossError
])
def test_user_errors_become_one_error_line(capsys, exc, needle):
    def func(args):
        raise exc

    assert cli.run_command(func, _ns(), "srtutor x") == 2
    line = _err_line(capsys)
    assert line.startswith("srtutor x: error: ") and needle in line


def test_debug_shows_the_traceback_and_bugs_are_not_hidden(capsys):
    def func(args):
        raise ValueError("bad value")

    with pytest.raises(ValueError, match="bad value"):
        cli.run_command(func, _ns(debug=True), "srtutor x")

    def bug(args):
        raise KeyError("a bug")  # not a user error: the traceback is not swallowed

    with pytest.raises(KeyError):
        cli.run_command(bug, _ns(), "srtutor x")


def test_ctrl_c_exits_130_with_one_line(capsys):
    def func(args):
        raise KeyboardInterrupt

    assert cli.run_command(func, _ns(), "srtutor x") == 130
    assert capsys.readouterr().err.strip() == "srtutor x: interrupted"


def test_debug_flag_before_and_after_the_command():
    p = cli.build_parser()
    assert p.parse_args(["--debug", "upscale", "a", "b", "--model", "m", "--scale", "2"]).debug is True
    assert p.parse_args(["upscale", "a", "b", "--model", "m", "--scale", "2", "--debug"]).debug is True
    assert p.parse_args(["upscale", "a", "b", "--model", "m", "--scale", "2"]).debug is False
    assert {"evaluate", "train", "upscale"} <= set(next(a for a in p._actions if a.dest == "command").choices)


# ---------------------------------------------------------------- shared options, checked before any work
def test_threads_device_and_output_checked_first(png, tmp_path, capsys, monkeypatch):
    called = []
    monkeypatch.setattr("srtutor.cli_upscale.upscale_file", lambda *a, **k: called.append(1))
    base = ["upscale", str(png), str(tmp_path / "o.png"), "--model", "bicubic", "--scale", "2"]
    assert main(base + ["--threads", "0"]) == 2
    assert "--threads must be an integer >= 1" in _err_line(capsys)
    assert main(base + ["--device", "tpu9"]) == 2
    assert "--device 'tpu9'" in _err_line(capsys)
    bad_cuda = "cuda:999" if torch.cuda.is_available() else "cuda"
    assert main(base + ["--device", bad_cuda]) == 2
    line = _err_line(capsys)
    assert f"--device {bad_cuda}" in line and ("--device cpu" in line or "cuda:0" in line)
    (tmp_path / "afile").write_text("x")
    for out, needle in [(tmp_path, "is a folder"), (tmp_path / "afile" / "o.png", "is not a folder")]:
        assert main(["upscale", str(png), str(out), "--model", "bicubic", "--scale", "2"]) == 2
        line = _err_line(capsys)
        assert needle in line and "OUTPUT" in line
    assert called == []  # nothing ran


def test_unwritable_output_folder(png, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        assert main(["upscale", str(png), str(ro / "o.png"), "--model", "bicubic", "--scale", "2"]) == 2
        assert "not writable" in _err_line(capsys)
    finally:
        ro.chmod(0o700)


def test_train_out_checked_before_training(tmp_path, capsys, monkeypatch):
    import srtutor.cli_train as ct

    monkeypatch.setattr(ct, "run", lambda args: pytest.fail("train ran although --out is a folder"))
    p = cli.build_parser()
    args = p.parse_args(["train", "--model", "espcn", "--scale", "2", "--out", str(tmp_path)])
    assert cli.run_command(lambda a: ct.run(a), args, "srtutor train") == 2
    assert "--out" in _err_line(capsys)


# ---------------------------------------------------------------- upscale: never destroy the input
def test_output_equal_to_input_refused_in_every_spelling(png, tmp_path, capsys, monkeypatch):
    before = png.read_bytes()
    (tmp_path / "link.png").symlink_to(png)
    os.link(png, tmp_path / "hard.png")
    monkeypatch.chdir(tmp_path)
    for out in [str(png), "in.png", "./in.png", str(tmp_path / "sub" / ".." / "in.png"), "link.png", "hard.png"]:
        assert main(["upscale", "in.png", out, "--model", "bicubic", "--scale", "2"]) == 2, out
        line = _err_line(capsys)
        assert "same file as INPUT" in line and "OUTPUT" in line
    assert png.read_bytes() == before


def test_input_errors_name_the_input(tmp_path, capsys, png):
    out = str(tmp_path / "o.png")
    assert main(["upscale", str(tmp_path / "missing.png"), out, "--model", "bicubic", "--scale", "2"]) == 2
    assert "INPUT" in (line := _err_line(capsys)) and "missing.png" in line
    (tmp_path / "junk.png").write_bytes(b"\x89PNG junk")
    assert main(["upscale", str(tmp_path / "junk.png"), out, "--model", "bicubic", "--scale", "2"]) == 2
    assert "cannot decode" in _err_line(capsys)
    rgba = np.dstack([np.zeros((8, 8, 3), np.uint8), np.full((8, 8), 100, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    assert main(["upscale", str(tmp_path / "t.png"), out, "--model", "bicubic", "--scale", "2"]) == 2
    assert "--alpha drop" in _err_line(capsys)
    assert main(["upscale", str(tmp_path / "t.png"), out, "--model", "bicubic", "--scale", "2", "--alpha", "drop"]) == 0
    assert read_image(out).shape == (3, 16, 16)
    for opt, val in [("--tile", "-1"), ("--overlap", "-3"), ("--scale", "1")]:
        args = ["upscale", str(png), out, "--model", "bicubic", "--scale", "2", opt, val]
        assert main(args) == 2 and opt in _err_line(capsys)


def test_decompression_bomb_is_an_error_line(tmp_path, capsys, monkeypatch):
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert main(["upscale", str(tmp_path / "bomb.png"), str(tmp_path / "o.png"), "--model", "bicubic",
                 "--scale", "2"]) == 2
    assert "decompression" in _err_line(capsys)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow's own hard limit
    assert main(["upscale", str(tmp_path / "bomb.png"), str(tmp_path / "o.png"), "--model", "bicubic",
                 "--scale", "2"]) == 2
    assert "bomb" in _err_line(capsys)


# ---------------------------------------------------------------- progress over tiles
def _run_on_tty(args, timeout=120):
    """Run ``python -m srtutor ARGS`` with stderr on a pseudo-terminal; return (rc, stderr text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 0-column tty draws nothing
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "srtutor", *args], stdout=subprocess.PIPE, stderr=slave,
                            cwd=REPO, env=env)
    os.close(slave)
    chunks, t0 = [], time.time()
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not b:
            break
        chunks.append(b)
        if time.time() - t0 > timeout:
            proc.kill()
            break
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@needs_espcn
def test_progress_bar_on_a_terminal_only(png, tmp_path, capsys):
    args = ["upscale", str(png), str(tmp_path / "o.png"), "--model", "espcn", "--scale", "2", "--tile", "16",
            "--threads", "1"]
    rc, err = _run_on_tty(args)  # auto: stderr is a terminal
    assert rc == 0 and "/12 [" in err and "tile/s" in err  # 40x52 in 16-pixel tiles: 3 x 4
    assert main(args) == 0 and "tile/s" not in capsys.readouterr().err  # auto, stderr not a terminal
    assert main(args + ["--progress"]) == 0 and "/12 [" in capsys.readouterr().err
    monkey_tty = type("TTY", (), {"isatty": lambda self: True, "write": sys.stderr.write, "flush": lambda self: None})
    from srtutor.cli_upscale import _progress_default

    old, sys.stderr = sys.stderr, monkey_tty()
    try:
        assert _progress_default(None) is True and _progress_default(False) is False
    finally:
        sys.stderr = old
    assert main(args + ["--no-progress"]) == 0 and "tile/s" not in capsys.readouterr().err


@needs_espcn
def test_1500x1000_x4_upscale_shows_a_progress_bar(tmp_path, capsys):
    """The case of the issue (177 s without a line): 1500x1000 at x4, default 256-pixel tiles."""
    from srtutor.resize import imresize

    src = tmp_path / "big.png"
    write_image(src, imresize(data.embedded_image("astronaut"), size=(1000, 1500)).clamp(0, 1))
    out = tmp_path / "big_x4.png"
    torch.set_num_threads(1)
    assert main(["upscale", str(src), str(out), "--model", "espcn", "--scale", "4", "--progress"]) == 0
    cap = capsys.readouterr()
    frames = cap.err.replace("\r", "\n")
    assert "upscale x4 (1500x1000)" in frames and "/24 [" in frames and "tile/s" in frames  # 4 x 6 tiles
    assert "6000x4000" in cap.out and "24 tiles" in cap.out
    assert Image.open(out).size == (6000, 4000)


def test_module_entry_point_one_error_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "srtutor", "upscale", str(tmp_path / "nope.png"),
                           str(tmp_path / "o.png"), "--model", "bicubic", "--scale", "2"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("srtutor upscale: error: INPUT")
    with pytest.raises(UsageError, match="INPUT"):  # --debug: the exception (and its traceback) comes through
        main(["--debug", "upscale", str(tmp_path / "nope.png"), str(tmp_path / "o.png"), "--model", "bicubic",
              "--scale", "2"])
