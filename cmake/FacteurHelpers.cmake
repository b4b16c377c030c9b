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

# facteur_fuzzer(NAME SOURCE DEPS...): a libFuzzer target, only with FACTEUR_FUZZ.
function(facteur_fuzzer name)
  if(NOT FACTEUR_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
