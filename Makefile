# Tsunagu — the two commands: `make run` and `make test`.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
DATA_DIR ?= ./tsunagu-data
LISTEN ?= 127.0.0.1:8080
BIN = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)

include mk/demo.mk

.PHONY: run test deps test-deps build clean bench

## make run: install what is missing, build, start the server on SQLite with the embedded relay.
run: deps build
	$(BIN)/tsunagu-server serve --data-dir $(DATA_DIR) --listen $(LISTEN)

## make test: every test, on SQLite and a throwaway PostgreSQL, Xvfb where the screen is needed.
test: test-deps
	$(SWIFT) build --build-tests
	# The relay's socket tests run in a process of their own. Inside the one big test process
	# they failed two ways: spawned programs inherited their sockets (fixed: programs are now
	# started with every network socket close-on-exec), and, beside the end-to-end tests' servers,
	# agents and browsers on 2 cores, their short timeouts (a 200 ms handshake limit, 2 s drains)
	# still trip. Alone they pass every time.
	$(SWIFT) test --skip-build --filter RelayTests
	TSUNAGU_REQUIRE_POSTGRES=1 ./scripts/with-postgres $(SWIFT) test --skip-build --skip RelayTests

deps:
	./scripts/install-deps

test-deps:
	./scripts/install-deps --test

build:
	$(SWIFT) build --product tsunagu-server
	$(SWIFT) build --product tsunagu-agent
	$(SWIFT) build --product tsunagu-relay
	$(SWIFT) build --product tsunagu

## make bench: side-by-side benchmarks (not tests); each prints its figures and ratios.
bench: test-deps
	$(SWIFT) run -c release --package-path bench/encode
	bench/screen/run
	bench/relay/run.sh
	bench/files/run.sh
	bench/terminal/run.sh

clean:
	rm -rf .build
