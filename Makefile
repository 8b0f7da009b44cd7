# embolo — build, run and test. `make run` and `make test` install missing Debian packages first.

CC ?= cc
BUILD ?= build
OPT ?= -O3 -g
SANITIZE ?=
WARNINGS := -std=c11 -Wall -Wextra -Wpedantic -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Istages -Ipipeline -I/usr/include/freetype2
CFLAGS += $(WARNINGS) $(OPT) $(SANITIZE)
LDFLAGS += $(SANITIZE)
LIBS := -lxlsxwriter -lhpdf -lcairo -lfreetype -lpng16 -ltiff -lminizip -lcrypto -lcsv -linih -lcjson -lgsl -lgslcblas -lm -pthread
TEST_LIBS := -lcmocka

# Debian 12 packages: to build and run, and to test.
RUN_PACKAGES := gcc make libc6-dev libgsl-dev libcsv-dev libinih-dev libxlsxwriter-dev libhpdf-dev \
                libminizip-dev libssl-dev libcjson-dev libcairo2-dev libfreetype-dev libpng-dev libtiff-dev fonts-dejavu-core
TEST_PACKAGES := libcmocka-dev clang libclang-rt-14-dev valgrind python3 poppler-utils qpdf gnumeric \
                 python3-docx python3-pil libreoffice-writer-nogui

LIB_SOURCES := $(sort $(wildcard stages/*/*.c) $(filter-out pipeline/main.c,$(wildcard pipeline/*.c)))
LIB_OBJECTS := $(LIB_SOURCES:%.c=$(BUILD)/obj/%.o)
TEST_SOURCES := $(sort $(wildcard tests/test_*.c))
TEST_BINARIES := $(TEST_SOURCES:tests/%.c=$(BUILD)/tests/%)

.PHONY: all run test check-tests asan valgrind deps test-deps clean
.PHONY: fuzz fuzz-short
.PHONY: bench

all: $(BUILD)/embolo

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libembolo.a: $(LIB_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/embolo: $(BUILD)/obj/pipeline/main.o $(BUILD)/libembolo.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: tests/%.c tests/testutil.h tests/e2eutil.h tests/render_testutil.h tests/build_testutil.h tests/round2_fixture.h tests/sample_cohort.h $(BUILD)/libembolo.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $< $(BUILD)/libembolo.a $(LDFLAGS) $(TEST_LIBS) $(LIBS) -o $@

deps:
	@missing=$$(for p in $(RUN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

test-deps: deps
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

run: deps
	$(MAKE) $(BUILD)/embolo
	$(BUILD)/embolo run

# Preloaded by test_faults to make output writes and renames fail (never sanitized: it is preloaded).
$(BUILD)/tests/fault_inject.so: tests/fault_inject.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -shared -fPIC $< -o $@ -ldl

# Runs every cmocka test binary; the end-to-end ones find the program through EMBOLO_BIN.
check-tests: $(BUILD)/embolo $(TEST_BINARIES) $(BUILD)/tests/fault_inject.so
	@failed=0; for t in $(TEST_BINARIES); do \
	  echo "== $$t"; EMBOLO_BIN=$(BUILD)/embolo EMBOLO_FAULT_LIB=$(BUILD)/tests/fault_inject.so \
	  $(TEST_RUNNER) $$t || failed=1; \
	done; \
	if [ $$failed = 0 ]; then echo "all test programs passed"; else echo "some test programs FAILED"; exit 1; fi

test: test-deps
	$(MAKE) check-tests

asan: test-deps
	$(MAKE) BUILD=build/asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all" check-tests

# VALGRIND_CHILDREN=yes also runs every embolo the end-to-end tests start under valgrind (about three
# times as long); CI runs the test programs themselves, which drive the pipeline in process too.
VALGRIND_CHILDREN ?= no
valgrind: test-deps
	$(MAKE) BUILD=build/valgrind OPT="-O1 -g" \
	  TEST_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --trace-children=$(VALGRIND_CHILDREN)" check-tests

# libFuzzer harnesses (fuzz/): FUZZ_SECONDS per harness; fails on any crash, leak or sanitizer report.
FUZZ_SECONDS ?= 60
fuzz: test-deps
	FUZZ_LIBS="$(LIBS)" FUZZ_CPPFLAGS="$(CPPFLAGS)" fuzz/run.sh $(FUZZ_SECONDS)

fuzz-short: test-deps
	FUZZ_LIBS="$(LIBS)" FUZZ_CPPFLAGS="$(CPPFLAGS)" fuzz/run.sh 10

# Times `embolo run` on simulated cohorts of 155 to 1e6 patients, and R's same analysis where R with
# survival and nnet is installed (R is never installed by make): bench/run.sh, table in build/bench/results.md.
bench: deps
	@dpkg -s time >/dev/null 2>&1 || { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y time; }
	BUILD=$(BUILD) bench/run.sh

clean:
	rm -rf build

-include $(LIB_OBJECTS:.o=.d) $(BUILD)/obj/pipeline/main.d
