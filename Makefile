# The two commands README.md promises: `make demo` (main job on the embedded default) and `make test`.
SWIFT ?= swift
.PHONY: setup build release test demo bench-gemm fixtures

setup:
	bash scripts/setup

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: release
	bash scripts/demo

bench-gemm: release
	.build/release/keyscope bench gemm
