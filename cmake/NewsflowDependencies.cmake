# Finds the Debian bookworm packages newsflow builds against (see docs/DEPENDENCIES.md)
# and defines imported targets for the ones without a CMake package of their own.
find_package(Threads REQUIRED)
# Protobuf and Abseil link statically (Debian ships both archives): as 31 shared objects they
# cost each process ~4 ms of symbol binding before main() and a PLT call per hash or string
# helper (docs/PERFORMANCE.md, "Start-up"). Nothing else in the process links them.
option(NEWSFLOW_STATIC_PROTOBUF_ABSL "Link Protobuf and Abseil statically" ON)
set(Protobuf_USE_STATIC_LIBS ${NEWSFLOW_STATIC_PROTOBUF_ABSL})
find_package(Protobuf REQUIRED)
find_package(absl REQUIRED)
if(NEWSFLOW_STATIC_PROTOBUF_ABSL)
  get_property(_imported DIRECTORY PROPERTY IMPORTED_TARGETS)
  foreach(_target IN LISTS _imported)
    if(NOT _target MATCHES "^absl::")
      continue()
    endif()
    get_target_property(_type ${_target} TYPE)
    if(NOT _type STREQUAL "SHARED_LIBRARY")
      continue()
    endif()
    get_target_property(_location ${_target} IMPORTED_LOCATION_NONE)
    string(REGEX REPLACE "\\.so[.0-9]*$" ".a" _archive "${_location}")
    if(EXISTS "${_archive}")
      # The target stays "shared" (its type is read-only): the linker takes the archive's
      # path all the same; without a soname CMake links it by that path.
      set_target_properties(${_target} PROPERTIES IMPORTED_LOCATION_NONE "${_archive}")
      set_property(TARGET ${_target} PROPERTY IMPORTED_SONAME_NONE)
    endif()
  endforeach()
endif()
find_package(PkgConfig REQUIRED)
# The newsflow program allocates with gperftools' tcmalloc (minimal: no profiler, no
# libunwind at run time): per-thread caches of size classes instead of glibc's arenas, where an
# article a prepare thread allocates and the polling thread frees costs locks and
# consolidation. ~9% less CPU for `process`, ~5% for `batch` (docs/PERFORMANCE.md,
# "Allocator"). Off: glibc's malloc, as the tests and benchmarks use.
option(NEWSFLOW_TCMALLOC "Link the newsflow program with tcmalloc (libgoogle-perftools-dev)" ON)
if(NEWSFLOW_TCMALLOC)
  # The archive: as a shared object, linked only for the symbols it replaces, --as-needed
  # (Debian's default) would drop it; from the archive the program defines malloc and
  # operator new itself, and the shared libraries bind to those.
  find_library(NEWSFLOW_TCMALLOC_ARCHIVE libtcmalloc_minimal.a)
  if(NOT NEWSFLOW_TCMALLOC_ARCHIVE)
    message(FATAL_ERROR "libtcmalloc_minimal.a not found: run scripts/install-deps.sh (it "
                        "installs libgoogle-perftools-dev), or configure with -DNEWSFLOW_TCMALLOC=OFF")
  endif()
endif()
# SHA-256 of dead-letter originals (libcrypto; librdkafka links it already).
find_package(OpenSSL REQUIRED)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(nlohmann_json REQUIRED)
# JSON Lines input and UTF-8 validation at SIMD speed (libsimdjson-dev).
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
# Config files (TOML) and the health/metrics HTTP endpoint.
find_package(tomlplusplus REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# Ingestion: gzip (zlib and ISA-L), the Public Suffix List, HTTP (libcurl: only its headers at
# build time; http/ opens the library on first use), XML (libxml2),
# the poller's state (SQLite).
find_package(ZLIB REQUIRED)
find_package(LibXml2 REQUIRED)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
find_package(SQLite3 REQUIRED)
find_path(ISAL_INCLUDE_DIR isa-l/igzip_lib.h REQUIRED)
find_library(ISAL_LIBRARY NAMES isal REQUIRED)
add_library(newsflow_isal INTERFACE)
target_include_directories(newsflow_isal INTERFACE ${ISAL_INCLUDE_DIR})
target_link_libraries(newsflow_isal INTERFACE ${ISAL_LIBRARY})
add_library(newsflow::isal ALIAS newsflow_isal)

# CLD2 (libcld2-dev) ships neither CMake nor pkg-config files.
find_path(CLD2_INCLUDE_DIR cld2/public/compact_lang_det.h REQUIRED)
find_library(CLD2_LIBRARY NAMES cld2 REQUIRED)
add_library(newsflow_cld2 INTERFACE)
target_include_directories(newsflow_cld2 INTERFACE ${CLD2_INCLUDE_DIR})
target_link_libraries(newsflow_cld2 INTERFACE ${CLD2_LIBRARY})
add_library(newsflow::cld2 ALIAS newsflow_cld2)

if(NEWSFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(NEWSFLOW_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# newsflow_add_test(NAME <name> SOURCES ... LIBS ... [LABELS unit|integration])
function(newsflow_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} newsflow::testing GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "NEWSFLOW_SHARED_DATA=${NEWSFLOW_SHARED_DATA}")
endfunction()

# Where ../shared/data lives; tests that read it skip when it is absent.
set(NEWSFLOW_SHARED_DATA "${CMAKE_SOURCE_DIR}/../shared/data" CACHE PATH "Labelled shared data")

# newsflow_add_benchmark(NAME <name> SOURCES ... LIBS ...): a Google Benchmark binary,
# built only with NEWSFLOW_BUILD_BENCHMARKS and never run by ctest (no timing in tests).
function(newsflow_add_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT NEWSFLOW_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark benchmark::benchmark_main)
endfunction()
