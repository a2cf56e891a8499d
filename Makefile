# The README's quick start: `make run` and `make test`. Both create .venv on their own.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: run test bench sysdeps clean install-desktop package

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Nodeloom needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TESTSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

# Qt needs a few shared libraries that a bare Debian/Ubuntu machine lacks; install them when missing.
sysdeps:
	@sh tools/sysdeps.sh

run: $(STAMP)
	@sh tools/sysdeps.sh gui
	$(BIN)/nodeloom

# two worker processes, each test file on one of them (a CI machine has 2 cores): ~6 minutes instead of ~10
test: $(TESTSTAMP) sysdeps
	@sh tools/sysdeps.sh desktop
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(TESTSTAMP) sysdeps
	@for f in tests/bench/*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$f || exit 1; done

# the one-folder bundle dist/nodeloom/ (PyInstaller), then the tests of it (marked packaging)
PKGSTAMP := $(VENV)/.installed-package
$(PKGSTAMP): pyproject.toml $(TESTSTAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $@

package: $(PKGSTAMP) sysdeps
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/nodeloom.spec
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m packaging -s tests/test_package.py

# the app in the desktop's launcher (this user: ~/.local/share)
install-desktop: $(STAMP)
	@sh tools/install-desktop.sh

clean:
	rm -rf $(VENV) build *.egg-info
