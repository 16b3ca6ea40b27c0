#!/usr/bin/env bash
# The C++ API as a user gets it (examples/cpp): `cmake --install` the build into a temporary
# prefix, build the example against it with find_package(octet), once on the static library and
# once on the shared one, and run both. Then check that a project embedding octet with
# add_subdirectory configures as a library-only build (no GoogleTest, no Google Benchmark).
# Usage: scripts/example_cpp.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for target in octet octet_shared; do
  cmake -S "$root/examples/cpp" -B "$tmp/$target" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" \
        -DOCTET_TARGET="octet::$target" >/dev/null
  cmake --build "$tmp/$target" >/dev/null
  (cd "$tmp" && "$tmp/$target/quantize_and_run" "$root/examples" | sed "s/^/example-cpp ($target): /")
done
mkdir "$tmp/embed"
cat > "$tmp/embed/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(embed LANGUAGES CXX)
add_subdirectory("$root" octet)
add_executable(quantize_and_run "$root/examples/cpp/main.cc")
target_link_libraries(quantize_and_run PRIVATE octet::octet)
foreach(t octet_tests octet_bench octet_cli)
  if(TARGET \${t})
    message(FATAL_ERROR "add_subdirectory(octet) built \${t}: a library-only build was expected")
  endif()
endforeach()
CMAKE
# GoogleTest and Google Benchmark made unfindable: a library-only build must not look for them.
cmake -S "$tmp/embed" -B "$tmp/embed/build" -G Ninja -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
      -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >"$tmp/embed.log" 2>&1 || { cat "$tmp/embed.log"; exit 1; }
echo "example-cpp: add_subdirectory(octet) configures a library-only build"
