# Two commands on a fresh machine:  make book   and   make test
# Each creates/updates the local virtual environment .venv by itself (requirements.txt: the
# package, editable, with every extra; torch pinned by constraints/ci.txt). `make venv` does
# nothing when none of those files changed since the last install.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
QUICK  ?= 1
DEVICE ?= auto
JOBS   ?= 2
# idle OpenMP threads sleep instead of spinning: on a small or shared CPU, spinning threads
# made torch 10-30x slower (measured in benchmarks/bench_resize.py and bench_ssim.py)
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: venv test wheel-check book book-smoke book-fast browser-test bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml constraints/ci.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q tests

# the wheel installed in a new venv outside the repository: README example, CLI, tests against it
wheel-check:
	PYTHON=$(PYTHON) scripts/check_wheel.sh

book: $(STAMP)
	$(PY) scripts/build_book.py --quick $(QUICK) --device $(DEVICE) --jobs $(JOBS)

# every notebook with the full mode's data, shapes, models and code paths but 4 training steps
# (proves on a CPU that full mode runs; no HTML)
book-smoke: $(STAMP)
	$(PY) scripts/build_book.py --smoke --device $(DEVICE) --jobs $(JOBS) --no-html --build-dir _build/smoke

browser-test: $(STAMP)
	SRTUTOR_BROWSER_TEST=1 $(PY) -m pytest -q tests/browser

bench: $(STAMP)
	$(PY) benchmarks/bench_resize.py
	$(PY) benchmarks/bench_ssim.py

clean:
	rm -rf _build
