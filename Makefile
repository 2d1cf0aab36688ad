# Two commands on a fresh Debian machine:  make demo  and  make test.
# Both create .venv, install derive with its dev extras, and install the TeX
# packages where they are missing and this user may (root with apt-get).

VENV       ?= .venv
PY         := $(VENV)/bin/python
DERIVE     := $(VENV)/bin/derive
# Extras installed into .venv; .ci/run adds torch so that the autograd reference is tested there.
# (Locally the showcase's verification then stays without autograd unless you add it yourself.)
EXTRAS     ?= dev,demo
comma      := ,
STAMP      := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
TEX_PKGS   := texlive-latex-base texlive-latex-recommended texlive-pictures \
              texlive-lang-spanish lmodern latexmk poppler-utils

.PHONY: setup tex demo test bench lint clean

setup: $(STAMP) tex

# cli.py too: the editable install copies it into site-packages (a force-include),
# so a changed cli.py must be reinstalled or make demo runs the old one.
$(STAMP): pyproject.toml cli.py
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# TeX for the PDF documents.  Skipped (with the command to run) when it cannot be installed.
tex:
	@if command -v pdflatex >/dev/null && kpsewhich lmodern.sty >/dev/null \
	    && kpsewhich spanish.ldf >/dev/null && command -v pdftotext >/dev/null \
	    && command -v latexmk >/dev/null; then \
	  echo "TeX: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "TeX: installing $(TEX_PKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PKGS) >/dev/null; \
	else \
	  echo "TeX: missing; PDF output needs: sudo apt-get install $(TEX_PKGS)"; \
	fi

demo: setup
	$(DERIVE) --layers 4,3,2 --json --latex --markdown --pdf --code --verify
	$(DERIVE) --layers 4,3,2 --json --latex --markdown --pdf --lang es

test: setup
	$(PY) -m pytest -q

# Benchmarks (about 10 minutes; bench/RESULTS.md).  torch and jax are optional peers:
# pip install -e '.[torch,jax]' to include them.  BENCH_FLAGS=--quick for a smoke run.
bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run_all.py $(BENCH_FLAGS)

lint: setup
	$(VENV)/bin/ruff check derive cli.py tests bench

clean:
	rm -rf $(VENV) build dist .pytest_cache
