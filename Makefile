# BayesKit: the commands in README.md.
#   make demo   install missing system packages (as root), build release, run `bayeskit demo`
#   make test   build and run every test
#   make bench  benchmarks side by side with the Python tools (Benchmarks/README.md)
#   make bench-large  the 100-million-step MH run (peak memory, steps/s)
#   make figures-check  run the tests, then render every SVG they wrote (.build/figures) to PNG
#   make report-check   run the demo and render its report page to PNG (headless Chromium)
#   make docs   the DocC catalogue (swift-docc-plugin) into .build/docs

SHELL := /bin/bash
SYSTEM_PACKAGES := libgsl-dev libomp-19-dev libopenblas-serial-dev librsvg2-bin
SWIFT ?= swift
BAYESKIT_RELEASE := .build/release/bayeskit

.PHONY: all deps build release demo test bench bench-large figures-check report-check docs clean

all: build

# Installs the system packages BayesKit links against when they are missing:
# directly when run as root, otherwise it prints the exact command.
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update && apt-get install -y --no-install-recommends $$missing; \
	  else \
	    echo "BayesKit needs system packages that are missing. Run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(BAYESKIT_RELEASE) demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The tests write their figures to .build/figures; rsvg-convert renders each
# to a PNG beside it (and fails on any SVG it cannot render). Look at them.
figures-check: test
	bash scripts/figures-check.sh .build/figures

bench: deps
	bash Benchmarks/run.sh

# 100 million MH steps streamed to disk: steps/s, bytes written, peak memory.
bench-large: deps
	bash Benchmarks/large_mcmc.sh

# Renders the demo's report page in headless Chromium (Debian's chromium,
# installed when run as root) to bayeskit-out/demo/report/index.png: look at it.
report-check: release
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	  else echo "report-check needs chromium: sudo apt-get install -y chromium"; exit 1; fi; }
	$(BAYESKIT_RELEASE) demo --output bayeskit-out/demo
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2400 \
	  --screenshot=bayeskit-out/demo/report/index.png file://$(CURDIR)/bayeskit-out/demo/report/index.html
	@echo "rendered bayeskit-out/demo/report/index.png"

# The DocC catalogue (Sources/BayesKit/BayesKit.docc) as a static site in .build/docs.
docs:
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target BayesKit \
	  --output-path .build/docs --disable-indexing --warnings-as-errors
	@echo "documentation in .build/docs (open .build/docs/index.html through a local web server)"

clean:
	rm -rf .build bayeskit-out
