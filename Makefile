# Quick start: `make demo` builds the sample issue into out/; `make test` runs the test suite.
# Both set up everything first (virtual environment, Python packages, font and PDF tool
# packages) and are quick when already set up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ISSUE ?= content/meili-juancheng
# Debian/Ubuntu packages: fonts (roles in fonts/roles.toml), PDF tools the tests and checks use,
# ArgyllCMS and the newsprint characterization data (CGATS TR 002, in icc-profiles-free) the
# print variant's CMYK profile is built from (`make profile`), HarfBuzz subsetting (without it
# WeasyPrint subsets with fontTools: 20 s a page instead of 0.4 s), and Chromium, the browser the
# live page's test (tests/test_serve_browser.py) drives with Playwright.
APT_PACKAGES := fonts-noto-cjk fonts-lxgw-wenkai fonts-hanazono poppler-utils qpdf argyll argyll-ref icc-profiles-free \
	fontconfig libharfbuzz-subset0 chromium

.PHONY: setup system venv bytecode samples profile demo test mutants install-check gallery bench clean

setup: system venv bytecode samples profile

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages; run: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

venv: $(VENV)/.stamp-installed

$(VENV)/.stamp-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

# Compiled modules, written even where PYTHONDONTWRITEBYTECODE is set: without them every
# paiban start compiles the package again (about 0.06 s).
bytecode: venv
	@$(BIN)/python -m compileall -q typeset

# The print variant's newsprint CMYK profile, built once into the user cache (about 20 s of CPU).
profile: system venv
	@$(BIN)/paiban profile

# The sample issue's placeholder pictures (样图), generated, not kept in git.
samples: venv
	@$(BIN)/python content/sample_pictures.py

demo: setup
	$(BIN)/paiban build $(ISSUE) -o out/

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The mutation pass: each checker stubbed in turn must make the suite fail (tests/mutants.py).
mutants: setup
	$(BIN)/python tests/mutants.py

# The README's gallery: the pages the tests build, as small PNGs in tests/gallery/.
gallery: setup
	$(BIN)/python tests/gallery.py

# The wheel, installed into a clean virtual environment outside the checkout, builds the sample
# from another folder: layouts/ and fonts/ travel as package data.
install-check: setup
	rm -rf build/wheel build/install-venv build/install-run
	$(BIN)/pip wheel -q --no-deps -w build/wheel .
	$(PYTHON) -m venv build/install-venv
	build/install-venv/bin/pip install -q build/wheel/typeset-*.whl
	mkdir -p build/install-run && cp -r $(ISSUE) build/install-run/
	cd build/install-run && $(CURDIR)/build/install-venv/bin/paiban build $(notdir $(ISSUE)) -o out
	test -s build/install-run/out/$(notdir $(ISSUE)).pdf

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf out/ $(VENV)
