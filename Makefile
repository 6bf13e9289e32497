# The two set-up commands of the README:
#   make run    install what is missing (as root), build, run the main job on shipped data
#   make test   build and run every test (also under AddressSanitizer + UBSan)
# Other targets: build (no root, no dpkg: the libraries need only be there), install
# (PREFIX, default /usr/local; DESTDIR), deps (the Debian packages, as root), test-fast,
# test-asan, lint, clean, format, format-check.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
JOBS       ?= 2
CMAKE_ARGS ?=

# Debian packages the build and tests need (package names, installed by `make deps`).
DEB_PKGS = build-essential cmake pkg-config libgsl-dev \
           libcmocka-dev libsqlite3-dev zlib1g-dev libmicrohttpd-dev libjansson-dev nettle-dev \
           libxlsxwriter-dev libzip-dev libexpat1-dev libglpk-dev

.PHONY: all build install run test test-fast test-asan lint deps clean format format-check report-js

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "humsec: installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "humsec: missing Debian packages:$$missing"; \
	    echo "humsec: run 'sudo apt-get install$$missing' or 'sudo make deps'"; exit 1; \
	  fi; \
	fi

# CMake finds the libraries through pkg-config; a missing one is named by CMake itself.
build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The CLI, libhumsec.a and libhumsec.so.0, humsec.h and humsec.pc under $(DESTDIR)$(PREFIX).
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --install $(BUILD)

run: deps build
	@$(BUILD)/humsec run

test-fast: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DHS_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHS_WERROR=ON -DHS_SANITIZE=ON \
	  $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Static checks (docs/security.md): cppcheck, clang-tidy (.clang-tidy) and clang-format over
# src/ cli/ mpi/ fuzz/ tests/ include/, with the build's compile_commands.json. Any finding
# fails; a missing tool is skipped with a message unless HS_REQUIRE_LINT=1.
lint:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DHS_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@sh tools/lint.sh $(BUILD) $(JOBS)

test: test-fast test-asan lint

# Rebuild the report's front-end bundle (web/dist/, committed) from web/src/ with the
# locked npm packages; docs/report.md. Building humsec itself needs no node.
report-js:
	@cd web && npm ci --no-audit --no-fund && npm run build

FORMAT_FILES = include/*.h $$(git ls-files 'src/*.[ch]' 'cli/*.[ch]' 'mpi/*.[ch]' 'fuzz/*.[ch]' \
               'tests/*.[ch]')

format:
	@clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out
