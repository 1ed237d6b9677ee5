# amdhal_add_plugin(NAME SOURCES...): a Boost.DLL plugin library built with hidden visibility into
# build/lib/amdhal/ and installed into <libdir>/amdhal/.
function(amdhal_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${AMDHAL_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH "$ORIGIN/.."
    INSTALL_RPATH "$ORIGIN/..")
  target_link_libraries(${name} PRIVATE amdhal::framework)
  target_compile_definitions(${name} PRIVATE AMDHAL_VERSION="${PROJECT_VERSION}" BOOST_DLL_USE_STD_FS)
  install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/amdhal)
endfunction()

# amdhal_add_test(NAME SOURCES... [LIBS libs...] [LABELS label]): one GoogleTest executable,
# its tests discovered into ctest.
function(amdhal_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE amdhal::framework GTest::gtest GTest::gtest_main GTest::gmock ${T_LIBS})
  target_compile_definitions(${name} PRIVATE
    AMDHAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    AMDHAL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  # One label per program: gtest_discover_tests' generated script cannot carry a list value.
  list(LENGTH T_LABELS n_labels)
  if(n_labels GREATER 1)
    message(FATAL_ERROR "amdhal_add_test(${name}): give one label, not '${T_LABELS}'")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${T_LABELS}")
endfunction()
