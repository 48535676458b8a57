# Installs the library, its header, a CMake package (find_package(parcrop)) and a
# pkg-config file (parcrop.pc).
include(CMakePackageConfigHelpers)

install(TARGETS parcrop EXPORT parcropTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT parcropTargets
  NAMESPACE parcrop::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/parcrop)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/parcropConfig.cmake.in
  ${PROJECT_BINARY_DIR}/parcropConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/parcrop)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/parcropConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/parcropConfig.cmake ${PROJECT_BINARY_DIR}/parcropConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/parcrop)

# Relative to the .pc file, so that the installed tree can be moved (and installed
# with --prefix) without rewriting it.
file(RELATIVE_PATH PARCROP_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" PARCROP_PC_TO_PREFIX "${PARCROP_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/parcrop.pc.in ${PROJECT_BINARY_DIR}/parcrop.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/parcrop.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
