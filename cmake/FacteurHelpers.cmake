# facteur_library(NAME SOURCES... DEPS...): a static library of one module, named facteur_NAME.
function(facteur_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(facteur_${name} STATIC ${ARG_SOURCES})
  target_include_directories(facteur_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(facteur_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# facteur_test(NAME SOURCES... DEPS...): a GoogleTest executable registered with CTest.
# Tests find shared test data through FACTEUR_SOURCE_DIR and FACTEUR_CORPORA_DIR.
function(facteur_test name)
  if(NOT FACTEUR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    FACTEUR_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FACTEUR_CORPORA_DIR="${PROJECT_SOURCE_DIR}/../shared/corpora")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)
endfunction()

# facteur_fuzzer(NAME SOURCE DEPS...): a libFuzzer target with FACTEUR_FUZZ; in the ordinary
# test build, NAME_replay instead (tests/fuzz/replay_main.cpp), registered with CTest as
# fuzz_replay.NAME over the target's seeds (tests/fuzz/seeds/<NAME without fuzz_>/).
function(facteur_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(FACTEUR_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  elseif(FACTEUR_TESTS)
    # Targets that use libFuzzer's FuzzedDataProvider (a header of clang's, which install-deps
    # installs) get a directory holding just a link to it: clang's whole include directory
    # would shadow g++'s own headers.
    file(READ ${ARG_SOURCES} text)
    string(FIND "${text}" "FuzzedDataProvider" fdp_use)
    if(fdp_use GREATER -1)
      set(fdp_dir ${CMAKE_BINARY_DIR}/fuzzed-data-provider)
      file(GLOB fdp_header /usr/lib/llvm-*/lib/clang/*/include/fuzzer/FuzzedDataProvider.h)
      if(NOT fdp_header)
        message(STATUS "${name}: no FuzzedDataProvider.h (clang's): its seeds are not replayed")
        return()
      endif()
      list(GET fdp_header 0 fdp_header)
      file(MAKE_DIRECTORY ${fdp_dir}/fuzzer)
      file(CREATE_LINK ${fdp_header} ${fdp_dir}/fuzzer/FuzzedDataProvider.h SYMBOLIC)
    endif()
    if(NOT TARGET facteur_fuzz_replay_main)
      add_library(facteur_fuzz_replay_main OBJECT ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    endif()
    add_executable(${name}_replay ${ARG_SOURCES})
    target_link_libraries(${name}_replay PRIVATE facteur_fuzz_replay_main ${ARG_DEPS})
    if(fdp_use GREATER -1)
      target_include_directories(${name}_replay SYSTEM PRIVATE ${fdp_dir})
    endif()
    string(REGEX REPLACE "^fuzz_" "" seeds ${name})
    add_test(NAME fuzz_replay.${seeds}
             COMMAND ${name}_replay ${PROJECT_SOURCE_DIR}/tests/fuzz/seeds/${seeds})
    set_tests_properties(fuzz_replay.${seeds} PROPERTIES LABELS fuzz TIMEOUT 300)
  endif()
endfunction()
