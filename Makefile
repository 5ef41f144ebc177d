# emsopt — build, test, install.
#
#   make deps        install what a fresh Debian 12 machine lacks (no-op when all is present)
#   make             build ./emsopt
#   make test        C core tests + the spec suite
#   make check       the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo        deps, build, run the main job on the synthetic demo region
#   make bench       benchmarks (figures printed side by side with their baselines)
#   make install PREFIX=/usr/local
#
# Layout the rules rely on:
#   modules/NAME/*.c   one Lua module per directory; lua_NAME.c is the binding and defines
#                      luaopen_NAME, every other .c file is the plain C core
#   modules/NAME/*.cpp C++ parts of a core (shims over C++ libraries, C API in a header)
#   spec/c/test_NAME.c plain C test of a core, linked with modules/NAME minus its binding
#   lua/**/*.lua       compiled into the binary; lua/a/b.lua is require "a.b"

# ---- settings ---------------------------------------------------------------------------
PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wundef -Wvla -Wpointer-arith -Werror
SANITIZE ?=
VERSION   = 0.1.0

# Flags from pkg-config are looked up when first used (in a recipe), not when the Makefile is
# read: on a fresh machine `make demo` installs the packages (deps) before anything compiles.
# lazy(VAR,command): VAR runs command once, at first expansion, and keeps its output.
lazy = $(eval $1 = $$(eval $1 := $$$$(shell $2))$$($1))
$(call lazy,LUA_CFLAGS,pkg-config --cflags lua5.4 2>/dev/null)
$(call lazy,LUA_LIBS,pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
$(call lazy,CBC_CFLAGS,pkg-config --cflags cbc 2>/dev/null)
$(call lazy,CBC_LIBS,pkg-config --libs cbc 2>/dev/null)
LPSOLVE_LIBS = /usr/lib/liblpsolve55.a -lcolamd -ldl
$(call lazy,PROJ_CFLAGS,pkg-config --cflags proj 2>/dev/null)
$(call lazy,PROJ_LIBS,pkg-config --libs proj 2>/dev/null || echo -lproj)
OSMIUM_LIBS  = -lz -lbz2 -lexpat

CPPFLAGS += -D_GNU_SOURCE -DEMSOPT_VERSION='"$(VERSION)"' -Iruntime $(LUA_CFLAGS) \
            -I/usr/include/lpsolve $(CBC_CFLAGS) $(PROJ_CFLAGS)
CFLAGS   += -std=gnu11 $(OPT) $(WARN) $(SANITIZE) -pthread
CXXFLAGS += -std=gnu++17 $(OPT) -Wall -Wextra -Werror $(SANITIZE) -pthread
LDFLAGS  += $(SANITIZE) -pthread
LDLIBS   += $(LUA_LIBS) $(LPSOLVE_LIBS) $(CBC_LIBS) $(PROJ_LIBS) $(OSMIUM_LIBS) -lcurl -lz -lreadline -lm

# Debian packages: build and run time (CBC's link line: zlib, bzip2, LAPACK, BLAS), then the
# tools the tests and benchmarks use. `make deps` installs what is missing.
DEB_PKGS = build-essential pkg-config liblua5.4-dev lua5.4 liblpsolve55-dev lp-solve \
           libcolamd2 libsuitesparse-dev coinor-libcbc-dev zlib1g-dev libbz2-dev \
           liblapack-dev libblas-dev libcurl4-openssl-dev libreadline-dev ca-certificates \
           man-db tmux python3 gawk unzip librsvg2-bin clang libclang-rt-14-dev valgrind \
           libjs-leaflet chromium coinor-cbc glpk-utils \
           libproj-dev proj-data libosmium2-dev libprotozero-dev libexpat1-dev osmium-tool python3-networkx \
           parallel openssh-server openssh-client slurmctld slurmd slurm-client munge

# ---- sources ----------------------------------------------------------------------------
MODULES     := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard modules/*/*.c)))))
MODULE_SRC  := $(sort $(wildcard modules/*/*.c))
MODULE_CXX  := $(sort $(wildcard modules/*/*.cpp))
RUNTIME_SRC := $(filter-out runtime/embed.c,$(sort $(wildcard runtime/*.c)))
LUA_SRC     := $(sort $(shell find lua -name '*.lua' 2>/dev/null))
CTESTS      := $(sort $(wildcard spec/c/test_*.c))
# the API reference's one source: each module's header comment (runtime/apidoc.awk)
APIDOC_SRC  := $(sort $(wildcard modules/*/lua_*.c)) runtime/lsys.c $(LUA_SRC)
APIDOC      := $(BUILD)/gen/lua/emsopt/apidoc.lua
# Leaflet (Debian libjs-leaflet) compiled in as a generated module, report.leaflet_assets: the
# HTML reports inline it, so an installed emsopt needs neither the checkout nor the package
LEAFLET_DIR ?= /usr/share/javascript/leaflet
LEAFLET_LUA := $(BUILD)/gen/lua/report/leaflet_assets.lua

CXX_OBJ = $(patsubst %.cpp,$(BUILD)/%.o,$(MODULE_CXX))
OBJ = $(patsubst %.c,$(BUILD)/%.o,$(RUNTIME_SRC) $(MODULE_SRC)) $(CXX_OBJ) \
      $(BUILD)/gen/preload.o $(BUILD)/gen/embedded.o

.PHONY: all deps test ctest spec check demo bench install uninstall clean
all: emsopt

emsopt: $(BUILD)/emsopt
	@if [ "$(BUILD)" = build ]; then ln -sf $(BUILD)/emsopt emsopt; fi

$(BUILD)/emsopt: $(OBJ)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(wildcard runtime/*.h) $(wildcard modules/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cpp $(wildcard runtime/*.h) $(wildcard modules/*/*.h)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

# package.preload table for every modules/NAME
$(BUILD)/gen/preload.c: $(MAKEFILE_LIST) $(wildcard modules/*/lua_*.c) | $(BUILD)/gen
	@{ echo '/* generated by make: the C modules */'; \
	   echo '#include "preload.h"'; \
	   for m in $(MODULES); do echo "int luaopen_$$m(lua_State *L);"; done; \
	   echo 'const luaL_Reg emsopt_cmodules[] = {'; \
	   for m in $(MODULES); do echo "  {\"$$m\", luaopen_$$m},"; done; \
	   echo '  {NULL, NULL}'; echo '};'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(LUA_SRC) $(APIDOC) $(LEAFLET_LUA) | $(BUILD)/gen
	$(BUILD)/embed lua $(LUA_SRC) $(APIDOC) $(LEAFLET_LUA) > $@.tmp && mv $@.tmp $@

# package: the Debian package and version the files come from ("" when dpkg does not know them);
# libjs-leaflet 1.7.1~dfsg builds its files from upstream's v1.7.1 tag, whose version string
# still reads 1.6.0 (upstream issue 7258), so the package's version is the one to state
$(LEAFLET_LUA): $(LEAFLET_DIR)/leaflet.min.js $(LEAFLET_DIR)/leaflet.css Makefile
	@mkdir -p $(dir $@)
	pkg=$$(dpkg-query -S $(LEAFLET_DIR)/leaflet.min.js 2>/dev/null | sed -n '1s/:.*//p'); \
	ver=$$(test -n "$$pkg" && dpkg-query -W -f '$${Version}' "$$pkg" 2>/dev/null); \
	lua5.4 -e 'function R(p) local f = assert(io.open(p, "rb")) local s = f:read("a") f:close() return ("%q"):format(s) end' \
	  -e 'io.write("-- generated by make from libjs-leaflet\nreturn {js = ", R(arg[1]), ",\ncss = ", R(arg[2]), ",\npackage = ", ("%q"):format(arg[3]), "}\n")' \
	  - $(LEAFLET_DIR)/leaflet.min.js $(LEAFLET_DIR)/leaflet.css "$${pkg:+$$pkg $$ver}" </dev/null > $@.tmp && mv $@.tmp $@

$(APIDOC): runtime/apidoc.awk $(APIDOC_SRC)
	@mkdir -p $(dir $@)
	awk -f runtime/apidoc.awk $(APIDOC_SRC) > $@.tmp && mv $@.tmp $@

# the API reference as text, for share/doc (the REPL's help() reads the same source)
$(BUILD)/doc/api.txt: $(BUILD)/emsopt
	@mkdir -p $(dir $@)
	$(BUILD)/emsopt -e 'io.write(require("emsopt.help").reference())' > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/embed: runtime/embed.c | $(BUILD)/gen
	$(CC) -std=gnu11 -O1 -Wall -Wextra -o $@ $<

$(BUILD)/gen:
	@mkdir -p $@

# ---- tests ------------------------------------------------------------------------------
test: ctest spec

# each spec/c/test_NAME.c links with the core files of modules/NAME (and its C++ objects)
$(BUILD)/ctest/test_%: spec/c/test_%.c $(BUILD)/emsopt
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Imodules/$* $(CFLAGS) $(LDFLAGS) -o $@ $< \
	  $(filter-out modules/$*/lua_$*.c,$(wildcard modules/$*/*.c)) \
	  $(filter $(BUILD)/modules/$*/%,$(CXX_OBJ)) runtime/interrupt.c runtime/atomic.c $(LDLIBS) \
	  $(if $(filter $(BUILD)/modules/$*/%,$(CXX_OBJ)),-lstdc++)

# test_csv runs three times: with the scanner this machine picks, and from AVX2 and the portable
# one down (the same scanner again where the machine has nothing faster)
ctest: $(patsubst spec/c/%.c,$(BUILD)/ctest/%,$(CTESTS))
	@fail=0; for t in $^; do echo "== $$t"; $$t || fail=1; done; \
	for s in avx2 base; do \
	  echo "== EMSOPT_CSV_SCANNER=$$s $(BUILD)/ctest/test_csv"; \
	  EMSOPT_CSV_SCANNER=$$s $(BUILD)/ctest/test_csv || fail=1; \
	done; exit $$fail

spec: $(BUILD)/emsopt
	EMSOPT=$(BUILD)/emsopt $(BUILD)/emsopt spec/run.lua

check:
	$(MAKE) BUILD=build/asan OPT='-O1 -g -fno-omit-frame-pointer' \
	  SANITIZE='-fsanitize=address,undefined -fno-sanitize-recover=undefined' \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 test

# ---- set-up, demo, bench, install -------------------------------------------------------
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then echo "deps: all present"; else \
	  echo "deps: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# deps first, then the build in a new make that sees what deps installed
demo:
	$(MAKE) deps
	$(MAKE) emsopt
	./emsopt models/er_routing.lua report=er_routing.html

bench: emsopt
	@for b in bench/*.lua; do echo "== $$b"; ./emsopt $$b || exit 1; done

# bin/emsopt; share/emsopt: the models, examples and demo region (scripts' default files resolve
# there); the man page; share/doc/emsopt: README and the API reference
install: $(BUILD)/emsopt $(BUILD)/doc/api.txt
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/emsopt \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/emsopt
	install -m 755 $(BUILD)/emsopt $(DESTDIR)$(PREFIX)/bin/emsopt
	cp -R models examples profiles $(DESTDIR)$(PREFIX)/share/emsopt/
	install -m 644 runtime/emsopt.1 $(DESTDIR)$(PREFIX)/share/man/man1/emsopt.1
	install -m 644 README.md $(BUILD)/doc/api.txt $(DESTDIR)$(PREFIX)/share/doc/emsopt/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/emsopt $(DESTDIR)$(PREFIX)/share/man/man1/emsopt.1
	rm -rf $(DESTDIR)$(PREFIX)/share/emsopt $(DESTDIR)$(PREFIX)/share/doc/emsopt

clean:
	rm -rf build emsopt

# ---- hardening: libFuzzer harnesses (fuzz/) and the suite under valgrind memcheck ----------
#   make fuzz [FUZZ_SECONDS=600] [FUZZ=csv datetime ...]   each harness in turn; crashes go to
#                fuzz/crashes/NAME-* (replayed by spec/fuzz_regress_spec.lua)
#   make valgrind [SPECS="spec/csv_spec.lua ..."]   C core tests and specs under memcheck
FUZZ_SECONDS ?= 600
FUZZ         ?= csv datetime graph_csv dimacs lp mps
FUZZ_CC      ?= clang
FUZZ_DATA    ?= ../shared/data
FUZZ_CFLAGS   = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -D_GNU_SOURCE -Iruntime -Ifuzz -Imodules/csv -Imodules/graph -Imodules/lp \
                -I/usr/include/lpsolve $(CBC_CFLAGS)
FUZZ_SRC_csv       = modules/csv/csv.c
FUZZ_SRC_datetime  = modules/csv/csv.c
FUZZ_SRC_graph_csv = modules/csv/csv.c modules/graph/graph.c modules/graph/graph_io.c
FUZZ_SRC_dimacs    = modules/graph/graph.c modules/graph/graph_io.c
FUZZ_SRC_lp        = modules/lp/lpcore.c modules/lp/mps.c modules/lp/cbc_stop.cpp modules/lp/clp_stop.cpp runtime/atomic.c
FUZZ_LIBS_lp       = $(LPSOLVE_LIBS) $(CBC_LIBS) -fsanitize-link-c++-runtime -lstdc++
FUZZ_SRC_mps       = $(FUZZ_SRC_lp)
FUZZ_LIBS_mps      = $(FUZZ_LIBS_lp)
SPECS        ?=
# specs that drive processes by the clock wait and allow this many times longer (spec.t)
VALGRIND_TIME_SCALE ?= 20
VALGRIND_FLAGS ?= --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
                  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
                  --suppressions=spec/valgrind.supp --num-callers=40

.PHONY: fuzz fuzz-build valgrind
build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(wildcard modules/*/*.h) $(wildcard modules/*/*.c) $(wildcard modules/*/*.cpp) runtime/interrupt.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) runtime/interrupt.c $(FUZZ_LIBS_$*) -lm -pthread

fuzz-build: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ))

fuzz: fuzz-build
	@mkdir -p fuzz/crashes
	sh fuzz/seeds.sh $(FUZZ_DATA) build/fuzz/seeds
	@fail=0; for t in $(FUZZ); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  if ls fuzz/crashes/$$t-* >/dev/null 2>&1; then echo "== fuzz_$$t replays fuzz/crashes/$$t-*"; \
	    LSAN_OPTIONS=suppressions=fuzz/lsan.supp build/fuzz/fuzz_$$t fuzz/crashes/$$t-* \
	      >build/fuzz/replay_$$t.log 2>&1 || { fail=1; tail -n 30 build/fuzz/replay_$$t.log; }; fi; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  LSAN_OPTIONS=suppressions=fuzz/lsan.supp build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=fuzz/crashes/$$t- \
	    build/fuzz/corpus/$$t build/fuzz/seeds/$$t $$(ls -d fuzz/corpus/$$t 2>/dev/null) \
	    >build/fuzz/fuzz_$$t.log 2>&1 || fail=1; \
	  grep -aE '^#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|ERROR|SUMMARY' build/fuzz/fuzz_$$t.log; \
	done; exit $$fail

# The runner and every emsopt it starts (EMSOPT) run under memcheck; each process logs to
# build/valgrind/log.PID. Timing specs (signals) may be slow under valgrind.
valgrind: $(BUILD)/emsopt $(if $(SPECS),,$(patsubst spec/c/%.c,$(BUILD)/ctest/%,$(CTESTS)))
	@mkdir -p build/valgrind && rm -f build/valgrind/log.*
	@printf '#!/bin/sh\nexec valgrind $(VALGRIND_FLAGS) --log-file=%s/build/valgrind/log.%%p %s/$(BUILD)/emsopt "$$@"\n' \
	  "$$PWD" "$$PWD" > build/valgrind/emsopt && chmod +x build/valgrind/emsopt
	@fail=0; \
	if [ -z "$(SPECS)" ]; then for t in $(patsubst spec/c/%.c,$(BUILD)/ctest/%,$(CTESTS)); do \
	  echo "== valgrind $$t"; valgrind $(VALGRIND_FLAGS) -q $$t >/dev/null || fail=1; done; fi; \
	EMSOPT=build/valgrind/emsopt EMSOPT_TIME_SCALE=$(VALGRIND_TIME_SCALE) build/valgrind/emsopt spec/run.lua $(SPECS) || fail=1; \
	bad=$$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' build/valgrind/log.* 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "valgrind: errors or leaks in: $$bad"; fail=1; \
	else echo "valgrind: no errors, no definite or indirect leaks in $$(ls build/valgrind/log.* | wc -l) processes"; fi; \
	exit $$fail
