# nabla: `make run` starts the REPL, `make test` runs every test, `make install` puts `nabla` on
# the PATH; each sets up and builds first.
SWIFT ?= swift
BIN_DEBUG = .build/debug/nabla
BIN_RELEASE = .build/release/nabla
# Release builds carry the Swift runtime (on Linux): resolving its symbols in a dozen shared
# libraries took 3 of nabla's 7 ms of start-up, and the installed binary then runs without the
# toolchain. The same flags for every release product, so switching products rebuilds nothing.
RELEASE_FLAGS = -c release $(if $(filter Linux,$(shell uname -s)),--static-swift-stdlib)
# Where `make install` puts bin/nabla (PREFIX=~/.local needs no root; a literal ~ is expanded).
PREFIX ?= /usr/local
INSTALL_DIR = $(patsubst ~%,$(HOME)%,$(PREFIX))/bin

.PHONY: setup build release run install test bench fuzz fuzz-large fuzz-merge format lint clean reference

# Installs the C libraries nabla links (quick and silent when they are already there).
setup:
	@if ! dpkg -s libreadline-dev libopenblas-dev zlib1g-dev tmux time >/dev/null 2>&1; then \
		echo "setup: installing libreadline-dev libopenblas-dev zlib1g-dev tmux time"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreadline-dev libopenblas-dev zlib1g-dev tmux time >/dev/null; \
	fi

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build $(RELEASE_FLAGS)

# The release build: a session should be fast (the build time is paid once).
run: release
	@$(BIN_RELEASE)

install: release
	install -d "$(INSTALL_DIR)"
	install -m 755 $(BIN_RELEASE) "$(INSTALL_DIR)/nabla"
	@echo "installed $(INSTALL_DIR)/nabla"
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) ;; *) echo "note: $(INSTALL_DIR) is not on your PATH";; esac

# Unit, property and end-to-end tests, then every notebook in sessions/ replayed with --check.
# The time limit turns a hung test into a failure with its output instead of a silent CI timeout.
test: build
	timeout --kill-after=30 1800 $(SWIFT) test --disable-xctest
	@set -e; for nb in sessions/*.nabla; do \
		[ -e "$$nb" ] || continue; \
		$(BIN_DEBUG) run --check "$$nb" >/dev/null || { echo "notebook check failed: $$nb"; $(BIN_DEBUG) run --check "$$nb"; exit 1; }; \
		echo "notebook ok: $$nb"; \
	done

bench: release
	$(SWIFT) build $(RELEASE_FLAGS) --product nabla-bench
	.build/release/nabla-bench

# libFuzzer on lexer, parser and interpreter (a fresh session per input under the untrusted
# resource limits) for FUZZ_SECONDS. New inputs go to .build-fuzz/corpus, crashes to
# .build-fuzz/crash-*; `.build/debug/nabla-fuzz FILE` replays one without the sanitizers.
FUZZ_SECONDS ?= 300
FUZZ_FLAGS = -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DNABLA_LIBFUZZER -Xswiftc -use-ld=lld
fuzz: setup
	$(SWIFT) build -c debug --scratch-path .build-fuzz --product nabla-fuzz $(FUZZ_FLAGS)
	@mkdir -p .build-fuzz/corpus .build-fuzz/cwd
	cd .build-fuzz/cwd && SWIFT_BACKTRACE=enable=no ../debug/nabla-fuzz -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -rss_limit_mb=3000 -max_len=400 -dict=../../Fuzz/nabla.dict -artifact_prefix=../ \
		../corpus ../../Fuzz/corpus

# The same target with the standard size limits and memory capped at 1 GiB through the
# allocation check, seeded with the large inputs of Fuzz/corpus-large (FUZZ_RUNS bounds the
# number of executions; 0 means no bound).
FUZZ_RUNS ?= 0
fuzz-large: setup
	$(SWIFT) build -c debug --scratch-path .build-fuzz --product nabla-fuzz $(FUZZ_FLAGS)
	@mkdir -p .build-fuzz/corpus-large .build-fuzz/cwd
	cd .build-fuzz/cwd && NABLA_FUZZ_LIMITS=large SWIFT_BACKTRACE=enable=no ../debug/nabla-fuzz \
		-max_total_time=$(FUZZ_SECONDS) -runs=$(if $(filter 0,$(FUZZ_RUNS)),-1,$(FUZZ_RUNS)) -timeout=20 \
		-rss_limit_mb=3000 -max_len=4096 -dict=../../Fuzz/nabla.dict -artifact_prefix=../large- \
		../corpus-large ../../Fuzz/corpus-large

# Adds to Fuzz/corpus the inputs from the last `make fuzz` that reach code the corpus does not.
fuzz-merge:
	cd .build-fuzz/cwd && SWIFT_BACKTRACE=enable=no ../debug/nabla-fuzz -merge=1 -max_len=400 ../../Fuzz/corpus ../corpus

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict -r Sources

clean:
	rm -rf .build

# Rewrites the reference section of README.md and docs/language.md from the builtin registry.
reference: build
	@python3 -c 'import subprocess; ref=subprocess.run([".build/debug/nabla","--reference"],capture_output=True,text=True,check=True).stdout.rstrip("\n"); [open(f,"w").write(s[:s.index("<!-- reference:begin")]+ref+s[s.index("<!-- reference:end -->")+len("<!-- reference:end -->"):]) for f in ["README.md","docs/language.md"] for s in [open(f).read()]]'
	@echo "README.md and docs/language.md reference updated"
