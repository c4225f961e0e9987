# pasarela_gtest_suites(TARGET [TEST_PREFIX P] [DISCOVERY_TIMEOUT S] [DISCOVERY_MODE M]
#                       [PROPERTIES KEY VALUE...])
#
# Registers one ctest test per GoogleTest test suite of TARGET, named PREFIX + SUITE, which runs
# the program with --gtest_filter=SUITE.*: the cases of a suite share one process, as GoogleTest
# means them to (a suite's SetUpTestSuite, the demo PKI a program copies once). One process per
# case had ctest start the gateways of an end-to-end suite again for each of its cases.
#
# The suites are listed when ctest reads the tests (TARGET --gtest_list_tests), so a build never
# runs a test program. A TIMEOUT among PROPERTIES bounds each case: a suite gets it times its
# number of cases, up to 600 s (or the case's own bound, when that is longer). A case that skips
# (GTEST_SKIP) does not fail its suite; the suite's output names it. (No SKIP_REGULAR_EXPRESSION:
# GoogleTest's summary of a suite whose cases all failed reads like one whose cases all skipped.)
# Takes the arguments gtest_discover_tests takes here; DISCOVERY_MODE is accepted and ignored
# (listing is always at test time).
set(PASARELA_GTEST_SUITES_LISTER ${CMAKE_CURRENT_LIST_DIR}/gtest_suites_lister.cmake)

function(pasarela_gtest_suites target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX;DISCOVERY_TIMEOUT;DISCOVERY_MODE"
                        "PROPERTIES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pasarela_gtest_suites(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_DISCOVERY_TIMEOUT)
    set(arg_DISCOVERY_TIMEOUT 60)
  endif()
  set(case_timeout 0)
  set(properties "")
  list(LENGTH arg_PROPERTIES count)
  set(i 0)
  while(i LESS count)
    math(EXPR j "${i} + 1")
    if(j GREATER_EQUAL count)
      message(FATAL_ERROR "pasarela_gtest_suites(${target}): PROPERTIES come in KEY VALUE pairs")
    endif()
    list(GET arg_PROPERTIES ${i} key)
    list(GET arg_PROPERTIES ${j} value)
    if(key STREQUAL "TIMEOUT")
      set(case_timeout ${value})
    else()
      string(APPEND properties " ${key} [==[${value}]==]")
    endif()
    math(EXPR i "${i} + 2")
  endwhile()
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  file(GENERATE OUTPUT ${include_file} CONTENT
"include([==[${PASARELA_GTEST_SUITES_LISTER}]==])
pasarela_add_gtest_suites([==[${target}]==] [==[$<TARGET_FILE:${target}>]==]
  [==[${arg_TEST_PREFIX}]==] ${arg_DISCOVERY_TIMEOUT} ${case_timeout}
  [==[${CMAKE_CURRENT_BINARY_DIR}]==]${properties})
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
