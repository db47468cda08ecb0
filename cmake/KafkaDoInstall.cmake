# Installs the public headers and libraries with a CMake package config, so that a user's project
# can do find_package(kafka_do) and link kafka_do::kafka_do.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

if(TARGET kafka_do)
  install(DIRECTORY include/kafka_do DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # The SDK and the layers it is built from (static libraries); kafka_do is the one to link.
  install(TARGETS kafka_do kafka_do_streams kafka_do_client kafka_do_coordinator kafka_do_protocol kafka_do_storage kafka_do_model kafka_do_base
                  kafka_do_flags
          EXPORT kafka_doTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  # The C ABI (include/kafka_do/kafka_do.h) for other languages: what the Ruby gem loads.
  if(TARGET kafka_do_c)
    install(TARGETS kafka_do_c LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
  install(EXPORT kafka_doTargets NAMESPACE kafka_do:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafka_do)
  configure_package_config_file(cmake/kafka_doConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/kafka_doConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafka_do)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kafka_doConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kafka_doConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/kafka_doConfigVersion.cmake
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafka_do)
endif()
