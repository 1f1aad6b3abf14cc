# make demo: server + company DEMO + an agent on its own Xvfb desktop; Ctrl+C stops all.
# Included from the Makefile (uses its SWIFT and build targets).
.PHONY: demo

## make demo: a complete local Tsunagu with a demo company and desktop (prints URL and logins).
demo: build
	TSUNAGU_BIN_DIR="$$($(SWIFT) build --show-bin-path)" ./scripts/demo $(if $(DEMO_PORT),--port $(DEMO_PORT),)
