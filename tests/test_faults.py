"""Fault injection for the commands: a loopback HTTP server serving wrong bytes, truncated
bodies, 404s and slow drips; an unreachable server; a disk that fills (``ulimit -f``); a kill
during a write. After each: exit code 2 with one ``error:`` line (a kill has no exit line), and
no corrupt file where a later run would read it — the later run then succeeds."""

import functools
import hashlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srtutor import data
from srtutor.cli import main
from srtutor.io import write_image

REPO = Path(__file__).resolve().parents[1]


def _shared_set5():
    env = os.environ.get("SRTUTOR_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data" / "benchmarks"]:
        if (cand / "Set5" / "HR").is_dir():
            return cand / "Set5" / "HR"
    return None


class _Faulty(http.server.SimpleHTTPRequestHandler):
    """``/<mode>/<path>`` serves ``<path>`` from the root folder, spoilt as ``mode`` says."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        mode, _, rest = self.path.lstrip("/").partition("/")
        path = Path(self.directory) / rest
        if mode == "404" or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        if mode == "wrong":
            body = bytes(b ^ 0x55 for b in body)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if mode == "trunc":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif mode == "slow":
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


@pytest.fixture
def www(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Faulty, directory=str(root)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _mirror_set5(root):
    """Lay the shared Set5 out as raw.githubusercontent.com would (the shipped manifest's URLs)."""
    src = _shared_set5()
    if src is None:
        pytest.skip("shared Set5 absent")
    for r in data.manifest("Set5"):
        dst = root / r["source_repo"] / r["source_commit"] / r["source_path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / Path(r["file"]).name, dst)


def _one_error_line(err):
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    errs = [ln for ln in lines if "error:" in ln]
    assert len(errs) == 1 and "Traceback" not in err, err
    return errs[0]


def _no_corrupt_images(folder):
    """Every ``*.png`` under ``folder`` is a pinned Set5 file (nothing half-written under an image name)."""
    pinned = {Path(r["file"]).name: r["sha256"] for r in data.manifest("Set5")}
    for p in Path(folder).glob("*.png"):
        assert hashlib.sha256(p.read_bytes()).hexdigest() == pinned[p.name], p


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("mode,needle", [
    ("wrong", "sha256 mismatch"),
    ("trunc", "truncated"),
    ("404", "HTTP 404"),
    ("slow", "deadline"),
    ("offline", "offline"),
])
def test_download_faults_leave_nothing_corrupt(www, tmp_path, capsys, monkeypatch, mode, needle):
    root, url = www
    _mirror_set5(root)
    base = f"http://127.0.0.1:{_closed_port()}" if mode == "offline" else f"{url}/{mode}"
    monkeypatch.setenv("SRTUTOR_DATA_URL", base)
    dest = tmp_path / "data"
    t0 = time.monotonic()
    rc = main(["data", "download", "Set5", "--data-dir", str(dest), "--deadline", "1.5", "--timeout", "5",
               "--no-progress"])
    assert time.monotonic() - t0 < 30  # the slow drip is abandoned at the deadline
    line = _one_error_line(capsys.readouterr().err)
    assert rc == 2 and line.startswith("srtutor data: error: Set5:") and needle in line
    if mode == "slow":
        assert "--deadline" in line
    hr = dest / "Set5" / "HR"
    _no_corrupt_images(hr)
    assert not data.verify_set("Set5", dest)["ok"]
    assert not any(p.name.endswith(".bmp") for p in hr.glob("*")) if hr.exists() else True
    # a later run reads nothing corrupt: evaluate refuses the incomplete set, a good download completes it
    assert main(["evaluate", "--dataset", "Set5", "--scale", "4", "--data-dir", str(dest)]) == 2
    assert "--download" in _one_error_line(capsys.readouterr().err)
    monkeypatch.setenv("SRTUTOR_DATA_URL", f"{url}/ok")
    assert main(["data", "download", "Set5", "--data-dir", str(dest), "--no-progress"]) == 0
    assert "5 files verified" in capsys.readouterr().out
    assert data.verify_set("Set5", dest)["ok"]


def test_data_list_and_verify_commands(www, tmp_path, capsys, monkeypatch):
    root, url = www
    _mirror_set5(root)
    dest = tmp_path / "data"
    assert main(["data", "list", "--data-dir", str(dest)]) == 0
    out = capsys.readouterr().out
    for name in ("Set5", "Set14", "B100", "Urban100", "Manga109", "T91"):
        assert name in out
    assert "majedelhelou/denoising_datasets@58234876" in out and "academic research" in out
    assert main(["data", "verify", "Set5", "--data-dir", str(dest)]) == 2
    assert "5 of 5 missing" in _one_error_line(capsys.readouterr().err)
    monkeypatch.setenv("SRTUTOR_DATA_URL", f"{url}/ok")
    assert main(["data", "download", "set5", "--data-dir", str(dest), "--progress"]) == 0
    cap = capsys.readouterr()
    assert "Set5: 5 files verified" in cap.out and "5/5" in cap.err  # progress over files
    assert main(["data", "verify", "Set5", "--data-dir", str(dest)]) == 0
    assert main(["data", "list", "--data-dir", str(dest), "--format", "json"]) == 0
    assert '"status": "verified"' in capsys.readouterr().out
    assert main(["data", "download", "Set6", "--data-dir", str(dest)]) == 2
    assert "SET: unknown benchmark 'Set6'" in _one_error_line(capsys.readouterr().err)
    assert main(["data", "download", "Set5", "--deadline", "0"]) == 2
    assert "--deadline must be > 0" in _one_error_line(capsys.readouterr().err)


def _run(cmd, limit_kb=None, timeout=180, env=None):
    """Run a command in a subprocess, optionally under ``ulimit -f`` (a disk that fills)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env or {}))
    if limit_kb is not None:
        shell = f"ulimit -f {limit_kb}; exec " + " ".join(f"'{c}'" for c in cmd)  # bash: 1024-byte blocks
        return subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=REPO, env=env,
                              timeout=timeout)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=timeout)


@pytest.fixture
def big_png(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "in.png"
    write_image(p, __import__("torch").from_numpy(rng.random((3, 120, 160), dtype=np.float32)))
    return p


def test_disk_full_during_upscale_write(big_png, tmp_path):
    out = tmp_path / "out.png"
    out.write_bytes(b"previous result")
    proc = _run([sys.executable, "-m", "srtutor", "upscale", str(big_png), str(out), "--model", "bicubic",
                 "--scale", "4"], limit_kb=100)  # the x4 PNG is ~700 KB of noise
    line = _one_error_line(proc.stderr)
    assert proc.returncode == 2 and "File too large" in line and "disk is full" in line
    assert out.read_bytes() == b"previous result"  # the old file is untouched, not truncated
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "out.png"]  # no temporary left
    assert main(["upscale", str(big_png), str(out), "--model", "bicubic", "--scale", "4"]) == 0  # a later run
    assert Image.open(out).size == (640, 480)


def test_disk_full_during_download(www, tmp_path):
    root, url = www
    _mirror_set5(root)
    dest = tmp_path / "data"
    cmd = [sys.executable, "-m", "srtutor", "data", "download", "Set5", "--data-dir", str(dest), "--no-progress"]
    proc = _run(cmd, limit_kb=200, env={"SRTUTOR_DATA_URL": f"{url}/ok"})  # baby.png is 363 KiB
    line = _one_error_line(proc.stderr)
    assert proc.returncode == 2 and "disk is full" in line
    _no_corrupt_images(dest / "Set5" / "HR")
    assert not data.verify_set("Set5", dest)["ok"]
    os.environ["SRTUTOR_DATA_URL"] = f"{url}/ok"  # the later run, in this process
    try:
        assert main(cmd[3:]) == 0 and data.verify_set("Set5", dest)["ok"]
    finally:
        del os.environ["SRTUTOR_DATA_URL"]


def _kill_when(proc, cond, timeout=120):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    proc.kill()
    return False


def test_kill_during_upscale_write(tmp_path):
    src = tmp_path / "in.png"
    rng = np.random.default_rng(1)
    write_image(src, __import__("torch").from_numpy(rng.random((3, 400, 600), dtype=np.float32)))
    out = tmp_path / "out.png"
    write_image(out, __import__("torch").zeros(3, 4, 4))
    before = out.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "srtutor", "upscale", str(src), str(out), "--model", "bicubic",
                             "--scale", "4"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))

    def writing():
        return any(p.name.startswith(".out.png.") and p.stat().st_size > 0 for p in tmp_path.iterdir())

    assert _kill_when(proc, writing), "the command ended before its output was being written"
    assert out.read_bytes() == before  # readers of out.png still see the complete old file
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("in.png", "out.png")]
    assert all(n.startswith(".out.png.") and n.endswith(".tmp") for n in leftovers)  # never an image name
    assert main(["upscale", str(src), str(out), "--model", "bicubic", "--scale", "4"]) == 0  # a later run
    assert Image.open(out).size == (2400, 1600)


def test_kill_during_download(www, tmp_path):
    root, url = www
    _mirror_set5(root)
    dest = tmp_path / "data"
    hr = dest / "Set5" / "HR"
    proc = subprocess.Popen([sys.executable, "-m", "srtutor", "data", "download", "Set5", "--data-dir", str(dest),
                             "--no-progress"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, SRTUTOR_DATA_URL=f"{url}/slow"))

    def receiving():  # pooch's temporary file exists: bytes are arriving (1 every 0.2 s)
        if hr.is_dir() and any(p.is_file() for p in hr.iterdir()):
            time.sleep(0.5)
            return True
        return False

    assert _kill_when(proc, receiving)
    _no_corrupt_images(hr)  # the partial file has a temporary name, not baby.png
    assert not data.verify_set("Set5", dest)["ok"]
    os.environ["SRTUTOR_DATA_URL"] = f"{url}/ok"  # the later run, in this process
    try:
        assert main(["data", "download", "Set5", "--data-dir", str(dest), "--no-progress"]) == 0
    finally:
        del os.environ["SRTUTOR_DATA_URL"]
    assert data.verify_set("Set5", dest)["ok"]


@pytest.mark.parametrize("mode,needle", [("wrong", "sha256 mismatch"), ("offline", "offline"), ("404", "HTTP 404")])
def test_evaluate_download_errors_are_one_line(www, tmp_path, capsys, monkeypatch, mode, needle):
    """Before: checksum and network errors in ``evaluate --download`` ended in a traceback."""
    root, url = www
    _mirror_set5(root)
    base = f"http://127.0.0.1:{_closed_port()}" if mode == "offline" else f"{url}/{mode}"
    monkeypatch.setenv("SRTUTOR_DATA_URL", base)
    dest = tmp_path / "data"
    assert main(["evaluate", "--dataset", "Set5", "--scale", "4", "--data-dir", str(dest), "--download"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("srtutor evaluate: error:") and needle in line
    _no_corrupt_images(dest / "Set5" / "HR")
