# medclaims — the two commands: `make demo` and `make test`.
GO      ?= go
BIN     := bin/medclaims
PKGS    := ./...

.PHONY: all build demo test vet bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/medclaims

# The whole main job on one machine: embedded broker, migrations, sample bundle, sample
# batch, summary; then keeps serving until Ctrl-C. `make demo ARGS=--exit` stops after the summary.
demo: build
	./scripts/postgres-up.sh
	./$(BIN) demo $(ARGS)

# Every test, against the real PostgreSQL, the embedded broker over TCP and, for the
# console, a headless Chromium.
test: vet
	./scripts/postgres-up.sh
	./scripts/chromium-up.sh
	$(GO) test -count=1 -timeout 20m $(PKGS)

vet:
	$(GO) vet $(PKGS)

# Speed: pure adjudication benchmarks and the end-to-end bench.
bench: build
	./scripts/postgres-up.sh
	GOGC=400 $(GO) test -run '^$$' -bench . -benchmem ./payment
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./payment/drg
	./$(BIN) bench

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeSubmission -fuzztime 60s ./claim
	$(GO) test -run '^$$' -fuzz FuzzReadBatch -fuzztime 30s ./claim
	$(GO) test -run '^$$' -fuzz FuzzPolicyJSON -fuzztime 60s ./policy
	$(GO) test -run '^$$' -fuzz FuzzGroup -fuzztime 60s ./payment/drg

clean:
	rm -rf bin
