# Compiler flags shared by every target.
add_compile_options(-Wall -Wextra -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wshadow=local)
else()
  add_compile_options(-Wshadow-uncaptured-local)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Boost 1.81 and libstdc++ 12 trip a few clang-only warnings in headers we do not own.
  # libstdc++ 12's std::stable_sort uses get_temporary_buffer, which clang flags as deprecated.
  add_compile_options(-Wno-deprecated-builtins -Wno-unused-command-line-argument
                      -Wno-deprecated-declarations)
endif()
if(FACTEUR_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)

if(FACTEUR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(FACTEUR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FACTEUR_FUZZ needs clang (CXX=clang++-19)")
  endif()
  # Instrument everything for coverage; the fuzz targets add -fsanitize=fuzzer at link time.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
