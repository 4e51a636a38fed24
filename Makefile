# Chapter 4: Byzantine fault tolerance for multi-agent systems.
# Each target wraps one or two commands; `make help` lists them.

CARGO  ?= cargo
MDBOOK ?= mdbook
MDBOOK_VERSION := 0.5.4

.DEFAULT_GOAL := help
.PHONY: help run-ch04 run-ch04-bft run-ch04-dual run-ch04-vote run-ch04-real \
        test-ch04 lint \
        bench-ch04 \
        book-output book test-book serve-book mdbook

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

run-ch04: ## Run both examples, a blank line between them
	@$(MAKE) -s run-ch04-bft
	@echo
	@$(MAKE) -s run-ch04-dual

run-ch04-bft: ## Example 1: majority vote, OM(m), quorums, PBFT
	@$(CARGO) run -q --release --bin bft_demo

run-ch04-dual: ## Example 2: cross-checking simulated models
	@$(CARGO) run -q --release --bin dual_model

# The scripted stand-in models: alpha and beta fail together, gamma alone,
# crashy exits with an error, sleepy never answers.
MODELS := examples/ch04-bft/models
THREE  := --cmd "sh $(MODELS)/alpha.sh" --cmd "sh $(MODELS)/beta.sh" \
          --cmd "sh $(MODELS)/gamma.sh"

run-ch04-vote: ## Example 2 with real commands: a vote, then an evaluation
	@$(CARGO) run -q --release --bin dual_model -- $(THREE) \
	  --cmd "sh $(MODELS)/crashy.sh" --cmd "sh $(MODELS)/sleepy.sh" \
	  --timeout 1 --prompt "17 + 25"
	@$(CARGO) run -q --release --bin dual_model -- $(THREE) \
	  --tasks-file $(MODELS)/tasks.tsv

# Three of the four GPT-3 systems whose answers to GSM8K's 1,319 test
# questions OpenAI released (models/gsm8k/README.md): recorded.sh prints a
# system's answer to the question on its stdin, as released.
GSM8K := $(MODELS)/gsm8k
REAL  := --name 175B-ver --cmd "sh $(GSM8K)/recorded.sh 175b_verification" \
         --name 6B-ver --cmd "sh $(GSM8K)/recorded.sh 6b_verification" \
         --name 175B-ft --cmd "sh $(GSM8K)/recorded.sh 175b_finetuning" \
         --compare number --answer-after "A:"

run-ch04-real: ## Example 2 on real answers: GPT-3 on GSM8K, as OpenAI released them
	@$(CARGO) run -q --release --bin dual_model -- $(REAL) \
	  --tasks-file $(GSM8K)/tasks.tsv

# cargo-nextest when installed, cargo test otherwise: one run either way, so a
# failure is reported once. Then the book's generated files must be current.
test-ch04: ## All tests, and a check that the book shows what the code prints
	@if command -v cargo-nextest >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --release; else $(CARGO) test --workspace --release; fi
	@scripts/book-output.sh --check

lint: ## cargo fmt --check and cargo clippy (pedantic, warnings are errors)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings

bench-ch04: ## Calls per second of the simulation at 100 million tasks
	@$(CARGO) run -q --release --bin dual_model -- --bench 100000000

book-output: ## Regenerate the output files the book includes
	@scripts/book-output.sh book/src/generated

mdbook: ## Install mdBook when it is missing
	@command -v $(MDBOOK) >/dev/null 2>&1 || $(CARGO) install mdbook --locked \
	  --version $(MDBOOK_VERSION) --no-default-features --features search

book: mdbook ## Build the book into book/build
	$(MDBOOK) build book

test-book: mdbook ## Check every included anchor, and test the book's listings
	$(CARGO) test -q --release --test book
	$(MDBOOK) test book

serve-book: book ## Serve the built book on http://127.0.0.1:3000 (python3)
	cd book/build && python3 -m http.server --bind 127.0.0.1 3000
