# ransomguard — plain Makefile (earlyoom style): CFLAGS += so distribution flags survive.
PREFIX         ?= /usr/local
BINDIR         ?= $(PREFIX)/sbin
SYSCONFDIR     ?= /etc
MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
CATALOGDIR     ?= /usr/lib/systemd/catalog
BASHCOMPDIR    ?= $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo $(PREFIX)/share/bash-completion/completions)
DESTDIR        ?=
VERSION        := 0.1.0

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
           -Wstrict-prototypes -Wno-unused-parameter -D_GNU_SOURCE \
           -DRG_VERSION=\"$(VERSION)\" -Ilib
ifeq ($(CI),true)
CFLAGS  += -Werror
endif
# Extra flags that survive a command-line CFLAGS (the sanitizer build uses them).
CFLAGS  += $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)

# pkg-config runs lazily, so `make setup` can install the packages first.
PKGS     = libsystemd libcjson liblzma
LIBFLAGS = $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -linotifytools -lm -pthread
CHECKLIBS = $(shell pkg-config --libs check)
CRYPTOLIBS = $(shell pkg-config --libs libcrypto)

B := build
LIB_SRC    := $(wildcard lib/*.c)
DAEMON_SRC := $(wildcard daemon/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(B)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SIM_BIN    := $(B)/ransomguard-sim
CTL_SRC    := $(wildcard daemon/ctl/*.c)
CTL_OBJ    := $(CTL_SRC:%.c=$(B)/%.o)

all: $(B)/ransomguardd $(B)/ransomguardctl $(SIM_BIN) $(B)/rg-writer $(B)/rg-opener

$(B)/rg-writer: tests/bench/writer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(B)/rg-opener: tests/bench/opener.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(B)/%.o: %.c $(wildcard lib/*.h daemon/*.h daemon/ctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBFLAGS) -Idaemon -c -o $@ $<

$(B)/librg.a: $(LIB_OBJ)
	ar rcs $@ $^

$(B)/ransomguardd: $(DAEMON_OBJ) $(B)/librg.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The operator's command: the socket client, lib/ (requests, records, the config's parser and
# editor) and the daemon's journal definitions (message ids).
$(B)/ransomguardctl: $(CTL_OBJ) $(B)/daemon/journal.o $(B)/librg.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(SIM_BIN): $(wildcard tests/sim/*.c tests/sim/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(CRYPTOLIBS)

# The vault's writer thread is daemon code with nothing of the kernel's but files: tested alone.
$(B)/tests/test_vault_write: tests/unit/test_vault_write.c daemon/vault-write.c $(B)/librg.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBFLAGS) -Idaemon $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS) $(CHECKLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/librg.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS) $(CHECKLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer (separate build dir).
asan:
	$(MAKE) B=build-asan EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" unit build-asan/ransomguardd

valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	    CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full --track-fds=yes $$t; done

integration: all
	tests/integration/run-all.sh

sim-test: $(SIM_BIN)
	SIM=$(CURDIR)/$(SIM_BIN) tests/sim/test-sim.sh

corpus-test:
	tests/corpus/test-corpus.sh

# Coverage-guided fuzzing (libFuzzer, Debian's clang) of every input surface: the config, file
# content, fanotify records, /proc texts. `make fuzz` runs each target FUZZ_SECONDS (default
# 300); `make check` runs a short smoke pass. New inputs go to build-fuzz/corpus/, the seeds
# stay in tests/fuzz/NAME/ (a crash found becomes a seed there and a unit test).
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS   = -g -O1 -std=gnu11 -D_GNU_SOURCE -Ilib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build-fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_SRC) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(LIBFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
	    echo "== $$n ($(FUZZ_SECONDS) s)"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/corpus/$$n tests/fuzz/$$n \
	        > build-fuzz/$$n.log 2>&1 || { tail -40 build-fuzz/$$n.log; echo "fuzz: $$n FAILED"; exit 1; }; \
	    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' build-fuzz/$$n.log; done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-10}

check: all unit asan valgrind fuzz-smoke sim-test corpus-test integration

setup:
	tests/setup.sh

run: all
	./$(B)/ransomguardd -c conf/ransomguard.json

bench: all
	tests/bench/bench.sh

install: $(B)/ransomguardd $(B)/ransomguardctl
	install -D -m 0755 $(B)/ransomguardd $(DESTDIR)$(BINDIR)/ransomguardd
	install -D -m 0755 $(B)/ransomguardctl $(DESTDIR)$(BINDIR)/ransomguardctl
	install -D -m 0644 conf/ransomguardctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/ransomguardctl
	install -D -m 0644 conf/ransomguard.json $(DESTDIR)$(SYSCONFDIR)/ransomguard/ransomguard.json
	install -D -m 0644 systemd/ransomguard.service $(DESTDIR)$(SYSTEMDUNITDIR)/ransomguard.service
	sed -i 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' $(DESTDIR)$(SYSTEMDUNITDIR)/ransomguard.service
	install -D -m 0644 systemd/ransomguard.catalog $(DESTDIR)$(CATALOGDIR)/ransomguard.catalog
	for m in man/*.[0-9]; do [ -e "$$m" ] || continue; s=$${m##*.}; \
	    install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ransomguardd $(DESTDIR)$(BINDIR)/ransomguardctl \
	      $(DESTDIR)$(BASHCOMPDIR)/ransomguardctl $(DESTDIR)$(MANDIR)/man8/ransomguardctl.8 \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/ransomguard.service \
	      $(DESTDIR)$(CATALOGDIR)/ransomguard.catalog $(DESTDIR)$(MANDIR)/man8/ransomguardd.8 \
	      $(DESTDIR)$(MANDIR)/man5/ransomguard.json.5

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all unit asan valgrind fuzz fuzz-smoke sim-test corpus-test integration check setup run bench install uninstall clean
