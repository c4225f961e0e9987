# Read by ctest, through the files pasarela_gtest_suites() (GTestSuites.cmake) generates: lists a
# test program's suites and adds one test per suite.

function(pasarela_add_gtest_suites target executable prefix discovery_timeout case_timeout
         working_directory)
  if(NOT EXISTS "${executable}")
    # Not built in this tree (the ThreadSanitizer tree builds only the tests labelled tsan): a
    # test that fails if run, as gtest_discover_tests does.
    add_test("${target}_NOT_BUILT" "${target}_NOT_BUILT")
    return()
  endif()
  execute_process(COMMAND "${executable}" --gtest_list_tests
                  WORKING_DIRECTORY "${working_directory}"
                  TIMEOUT ${discovery_timeout}
                  OUTPUT_VARIABLE listing
                  ERROR_VARIABLE listing_errors
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${executable} --gtest_list_tests failed (${result}):\n${listing}${listing_errors}")
  endif()
  string(REPLACE ";" "\\;" listing "${listing}")
  string(REPLACE "\n" ";" lines "${listing}")
  set(suites "")
  set(suite "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^  [^ ]")
      if(suite STREQUAL "")
        message(FATAL_ERROR "${executable} --gtest_list_tests: a case before any suite: ${line}")
      endif()
      math(EXPR "cases_${suite_index}" "${cases_${suite_index}} + 1")
    elseif(line MATCHES "^([^ ]+)\\.( +#.*)?$")
      set(suite "${CMAKE_MATCH_1}")
      list(LENGTH suites suite_index)
      list(APPEND suites "${suite}")
      set("cases_${suite_index}" 0)
    endif()
  endforeach()
  set(index 0)
  foreach(suite IN LISTS suites)
    set(cases ${cases_${index}})
    math(EXPR index "${index} + 1")
    set(timeout_properties "")
    if(case_timeout GREATER 0)
      math(EXPR timeout "${case_timeout} * ${cases}")
      set(longest 600)
      if(case_timeout GREATER longest)
        set(longest ${case_timeout})
      endif()
      if(timeout GREATER longest)
        set(timeout ${longest})
      endif()
      set(timeout_properties TIMEOUT ${timeout})
    endif()
    set(name "${prefix}${suite}")
    add_test("${name}" "${executable}" "--gtest_filter=${suite}.*")
    set_tests_properties("${name}" PROPERTIES
      WORKING_DIRECTORY "${working_directory}"
      ${timeout_properties} ${ARGN})
    if(suite MATCHES "^DISABLED_")
      set_tests_properties("${name}" PROPERTIES DISABLED TRUE)
    endif()
  endforeach()
endfunction()
