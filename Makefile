# nabla: `make run` starts the REPL, `make test` runs every test; both set up and build first.
SWIFT ?= swift
BIN_DEBUG = .build/debug/nabla
BIN_RELEASE = .build/release/nabla

.PHONY: setup build release run test bench fuzz fuzz-merge format lint clean reference

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
	$(SWIFT) build -c release

run: build
	@$(BIN_DEBUG)

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
	$(SWIFT) build -c release --product nabla-bench
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

# Adds to Fuzz/corpus the inputs from the last `make fuzz` that reach code the corpus does not.
fuzz-merge:
	cd .build-fuzz/cwd && SWIFT_BACKTRACE=enable=no ../debug/nabla-fuzz -merge=1 -max_len=400 ../../Fuzz/corpus ../corpus

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict -r Sources

clean:
	rm -rf .build

# Rewrites the README's reference section from the builtin registry.
reference: build
	@python3 -c 'import re,subprocess,sys; ref=subprocess.run([".build/debug/nabla","--reference"],capture_output=True,text=True,check=True).stdout.rstrip("\n"); s=open("README.md").read(); b=s.index("<!-- reference:begin"); e=s.index("<!-- reference:end -->")+len("<!-- reference:end -->"); open("README.md","w").write(s[:b]+ref+s[e:])'
	@echo "README.md reference updated"
